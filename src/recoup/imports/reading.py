"""Reading CSV and XLSX files into frames of strings, keeping each row's line number."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from recoup.imports.errors import FileFormatError, RowError
from recoup.imports.mapping import ReadOptions
from recoup.ledger.canonical import LINE

MAX_COLUMNS = 500


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: Path, options: ReadOptions) -> tuple[pl.DataFrame, list[RowError]]:
    """Every cell as a string (None when empty), the file's own column names, and `__line`;
    and the cells that could not be read as values (an XLSX formula without a cached value),
    which set their rows aside like any bad value.

    Rows the mapping drops (drop_rows_where, drop_rows_without) are dropped.
    """
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        rows, uncalculated = _xlsx_rows(path, options.sheet)
        frame = drop_unwanted_rows(_from_rows(rows, options, path, spreadsheet=True), options)
        return frame, _uncalculated_errors(frame, uncalculated)
    if suffix not in {".csv", ".txt", ".tsv", ""}:
        raise FileFormatError(f"{path.name}: unsupported file type {suffix!r}; use .csv or .xlsx")
    if options.needs_row_scan or options.encoding.lower().replace("-", "") not in {"utf8", "utf8sig"}:
        return drop_unwanted_rows(_from_rows(_csv_rows(path, options), options, path), options), []
    return drop_unwanted_rows(_read_csv_columnar(path, options), options), []


def _read_csv_columnar(path: Path, options: ReadOptions) -> pl.DataFrame:
    """The fast path for plain files: Polars reads every column as text."""
    # Polars renames a repeated column ("a_duplicated_0"), so the header is checked as written.
    _check_headers(_csv_header(path, options), path)
    try:
        frame = pl.read_csv(
            path,
            infer_schema=False,
            separator=options.delimiter,
            encoding="utf8",
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError as exc:
        raise FileFormatError(f"{path.name}: the file is empty") from exc
    except pl.exceptions.ComputeError as exc:
        message = str(exc).splitlines()[0]
        if "utf-8" in message.lower() or "utf8" in message.lower():
            raise FileFormatError(f"{path.name}: not UTF-8 text; set [read] encoding in a mapping file (e.g. cp1252)") from exc
        # Polars names neither the line nor the cause in words a user can act on: find both.
        problem = _csv_structure_problem(path, options)
        raise FileFormatError(f"{path.name}: {problem or 'cannot be read as CSV'}") from exc
    frame = frame.rename({c: _clean_header(c) for c in frame.columns})
    if not _rows_are_lines(path, frame.height):
        # A quoted value holds a line break: rows are no longer lines, so read the file row by
        # row, which numbers each row by the line it starts on.
        return _from_rows(_csv_rows(path, options), options, path)
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))
    return _blank_to_null(frame)


def _csv_header(path: Path, options: ReadOptions) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [_clean_header(c) for c in next(csv.reader(fh, delimiter=options.delimiter), [])]
    except (UnicodeDecodeError, csv.Error):
        return []  # Polars reports it, with the file's whole context


def _rows_are_lines(path: Path, rows: int) -> bool:
    """Whether each row is one line of the file (the header being the first). Only a quoted
    value can hold a line break, so the lines are counted only in a file that has quotes."""

    def blocks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            yield from iter(lambda: fh.read(1 << 20), b"")

    if not any(b'"' in block for block in blocks()):
        return True
    lines, last = 0, b"\n"
    for block in blocks():
        lines += block.count(b"\n")
        last = block[-1:]
    return lines + (last != b"\n") == rows + 1


def _csv_structure_problem(path: Path, options: ReadOptions) -> str | None:
    """What makes a CSV file unreadable, in words, naming the lines: rows with more fields than
    the header, or a double quote that opens a value and never closes."""
    try:
        text = path.read_text(encoding=options.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=options.delimiter, strict=True)
    width: int | None = None
    too_wide: list[tuple[int, int]] = []
    start = 1
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif len(record) > width:
                too_wide.append((start, len(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        return _wide_rows(too_wide, width or 0, options.delimiter, tail=_quote_problem(exc, start, reader.line_num))
    return _wide_rows(too_wide, width or 0, options.delimiter) if too_wide else None


def _quote_problem(error: csv.Error, start: int, line: int) -> str:
    doubled = 'a double quote inside a value is written twice: ""'
    if "end of data" in str(error):
        return f"line {start}: a double quote opens a value that is never closed ({doubled})"
    return f"line {line}: text follows the closing double quote of a value ({doubled})"


def _wide_rows(rows: list[tuple[int, int]], width: int, delimiter: str, *, tail: str | None = None) -> str:
    parts = []
    if rows:
        line, fields = rows[0]
        parts.append(
            f"line {line} has {fields} fields but the header has {width} "
            f"(a value holding the delimiter {delimiter!r} must be in double quotes)"
        )
        others = [str(n) for n, _ in rows[1:11]]
        if others:
            more = f" and {len(rows) - 11} more" if len(rows) > 11 else ""
            parts.append(f"so {'does line' if len(others) == 1 else 'do lines'} {', '.join(others)}{more}")
    if tail:
        parts.append(tail)
    return "; ".join(parts)


def _clean_header(name: str) -> str:
    return name.lstrip("\ufeff").strip()


def _check_headers(columns: list[str], path: Path, *, letters: bool = False) -> None:
    if len(columns) > MAX_COLUMNS:
        raise FileFormatError(f"{path.name}: {len(columns)} columns; at most {MAX_COLUMNS} are read")
    seen: dict[str, int] = {}
    for position, name in enumerate(columns):
        if not name:
            continue
        if name in seen:
            first, again = (_position(p, letters) for p in (seen[name], position))
            raise FileFormatError(f"{path.name}: the column {name!r} appears twice in the header (columns {first} and {again})")
        seen[name] = position


def _position(index: int, letters: bool) -> str:
    """A column's place as the user sees it: 3 in a CSV file, C in a spreadsheet."""
    if not letters:
        return str(index + 1)
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c) for c in text]
    )


def _csv_rows(path: Path, options: ReadOptions) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding=options.encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path.name}: not {options.encoding} text (byte {exc.start}); set [read] encoding") from exc
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=options.delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileFormatError(f"{path.name}: {_quote_problem(exc, start, reader.line_num)}") from exc
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr is the shortest text that round-trips, so 1234.56 stays 1234.56.
        return format(Decimal(repr(value)), "f")
    return str(value)


Uncalculated = dict[tuple[int, int], str]  # (line, column index) -> the formula


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[tuple[int, list[str]]], Uncalculated]:
    """The sheet's rows as text (each formula as its cached value), and the formula cells that
    have no cached value (a file written by a program that does not calculate)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileFormatError(f"{path.name}: not a readable XLSX workbook ({exc.__class__.__name__})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileFormatError(f"{path.name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        ws = book[sheet] if sheet else book.worksheets[0]
        values = list(enumerate(ws.iter_rows(values_only=True), start=1))
    finally:
        book.close()
    empty = {(i, j) for i, row in values for j, v in enumerate(row) if v is None}
    uncalculated = _formulas(path, sheet, empty) if empty and _has_formulas(path) else {}
    return [(i, [_cell_text(v) for v in row]) for i, row in values], uncalculated


def _has_formulas(path: Path) -> bool:
    """Whether any sheet holds a formula (<f> elements), without parsing the workbook again."""
    formula = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as fh:
                tail = b""
                for block in iter(lambda: fh.read(1 << 20), b""):
                    if formula.search(tail + block):
                        return True
                    tail = block[-16:]
    return False


def _formulas(path: Path, sheet: str | None, empty: set[tuple[int, int]]) -> Uncalculated:
    """The formulas of the cells that read as empty: those have no cached value."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        return {
            (i, j): v
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1)
            for j, v in enumerate(row)
            if (i, j) in empty and isinstance(v, str) and v.startswith("=")
        }
    finally:
        book.close()


def _uncalculated_errors(frame: pl.DataFrame, uncalculated: Uncalculated) -> list[RowError]:
    """A formula without a cached value would be read as an empty cell: an error on its row."""
    if not uncalculated:
        return []
    names = [c for c in frame.columns if c != LINE]
    lines = set(frame[LINE].to_list())
    reason = (
        "a formula without a cached value (the file was saved by a program that does not calculate formulas;"
        " open it in a spreadsheet program and save it again)"
    )
    return [
        RowError(line=line, column=names[j], value=formula, reason=reason)
        for (line, j), formula in sorted(uncalculated.items())
        if line in lines and j < len(names)
    ]


def _from_rows(rows: list[tuple[int, list[str]]], options: ReadOptions, path: Path, *, spreadsheet: bool = False) -> pl.DataFrame:
    """The header row (after a report's title block), and the rows below it as text columns.

    A CSV row with a value beyond the header's last column is refused (the value would have
    no name and be lost); a spreadsheet's cells there are notes beside the table.
    """
    header_at = options.skip_rows
    if options.header_contains is not None:
        wanted = options.header_contains.strip()
        for i, (_, cells) in enumerate(rows):
            if any(c.strip() == wanted for c in cells):
                header_at = i
                break
        else:
            raise FileFormatError(f"{path.name}: no row holds a cell {wanted!r} to serve as the header")
    if header_at >= len(rows):
        raise FileFormatError(f"{path.name}: the file is empty")
    header = [_clean_header(c) for c in rows[header_at][1]]
    while header and not header[-1]:
        header.pop()
    _check_headers(header, path, letters=spreadsheet)
    body = rows[header_at + 1 : len(rows) - options.skip_footer_rows if options.skip_footer_rows else None]
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    too_wide: list[tuple[int, int]] = []
    for line, cells in body:
        if not any(c.strip() for c in cells):
            continue  # blank spacer rows in reports
        if not spreadsheet and any(c.strip() for c in cells[width:]):
            too_wide.append((line, len(cells)))
        lines.append(line)
        for j in range(width):
            value = cells[j].strip() if j < len(cells) else ""
            columns[j].append(value or None)
    if too_wide:
        raise FileFormatError(f"{path.name}: {_wide_rows(too_wide, width, options.delimiter)}")
    names = [h or f"column_{j + 1}" for j, h in enumerate(header)]
    frame = pl.DataFrame({n: pl.Series(n, col, dtype=pl.String) for n, col in zip(names, columns, strict=True)})
    return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))


def drop_unwanted_rows(frame: pl.DataFrame, options: ReadOptions) -> pl.DataFrame:
    for column, pattern in options.drop_rows_where.items():
        if column not in frame.columns:
            raise FileFormatError(f"[read] drop_rows_where names column {column!r}, which the file does not have")
        re.compile(pattern)
        frame = frame.filter(~pl.col(column).fill_null("").str.contains(pattern))
    if options.drop_rows_without:
        if options.drop_rows_without not in frame.columns:
            raise FileFormatError(
                f"[read] drop_rows_without names column {options.drop_rows_without!r}, which the file does not have"
            )
        frame = frame.filter(pl.col(options.drop_rows_without).is_not_null())
    return frame
