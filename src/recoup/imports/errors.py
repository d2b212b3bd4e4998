"""What can go wrong with an import, said so a person can fix the file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # physical line in the file (the header is line 1 of a plain CSV)
    column: str  # the column as named in the file, or the canonical name when the file has none
    value: str
    reason: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"line {self.line}, column {self.column!r}, value {shown!r}: {self.reason}"


class ImportRejected(Exception):
    """The file was not applied: every bad row is listed; the database is unchanged."""

    def __init__(self, errors: list[RowError], *, rows: int = 0, message: str | None = None) -> None:
        self.errors = errors
        self.rows = rows
        super().__init__(message or f"{len(errors)} problem(s) in the file; nothing was imported")


class MappingError(ValueError):
    """A mapping file (or preset) that cannot be used, with the key that is wrong."""


class FileFormatError(ValueError):
    """A file that cannot be read at all: wrong encoding, not CSV/XLSX, missing columns."""
