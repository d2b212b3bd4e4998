"""Reading CSV and XLSX files into frames of strings, keeping each row's line number."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from recoup.imports.canonical import LINE
from recoup.imports.errors import FileFormatError
from recoup.imports.mapping import ReadOptions

MAX_COLUMNS = 500


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: Path, options: ReadOptions) -> pl.DataFrame:
    """Every cell as a string (None when empty), the file's own column names, and `__line`."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(path, options.sheet)
        return _from_rows(rows, options, path)
    if suffix not in {".csv", ".txt", ".tsv", ""}:
        raise FileFormatError(f"{path.name}: unsupported file type {suffix!r}; use .csv or .xlsx")
    if options.needs_row_scan or options.encoding.lower().replace("-", "") not in {"utf8", "utf8sig"}:
        return _from_rows(_csv_rows(path, options), options, path)
    return _read_csv_columnar(path, options)


def _read_csv_columnar(path: Path, options: ReadOptions) -> pl.DataFrame:
    """The fast path for plain files: Polars reads every column as text."""
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
        raise FileFormatError(f"{path.name}: cannot be read as CSV: {message}") from exc
    frame = frame.rename({c: _clean_header(c) for c in frame.columns})
    _check_headers(frame.columns, path)
    # Physical lines, assuming no line breaks inside quoted cells (true of ERP exports).
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))
    return _blank_to_null(frame)


def _clean_header(name: str) -> str:
    return name.lstrip("\ufeff").strip()


def _check_headers(columns: list[str], path: Path) -> None:
    if len(columns) > MAX_COLUMNS:
        raise FileFormatError(f"{path.name}: {len(columns)} columns; at most {MAX_COLUMNS} are read")
    seen: set[str] = set()
    for name in columns:
        if not name:
            continue
        if name in seen:
            raise FileFormatError(f"{path.name}: the column {name!r} appears twice in the header")
        seen.add(name)


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
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=options.delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for record in reader:
        rows.append((start, record))
        start = reader.line_num + 1
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


def _xlsx_rows(path: Path, sheet: str | None) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileFormatError(f"{path.name}: not a readable XLSX workbook ({exc.__class__.__name__})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileFormatError(f"{path.name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [(i, [_cell_text(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _from_rows(rows: list[tuple[int, list[str]]], options: ReadOptions, path: Path) -> pl.DataFrame:
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
    _check_headers(header, path)
    body = rows[header_at + 1 : len(rows) - options.skip_footer_rows if options.skip_footer_rows else None]
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    for line, cells in body:
        if not any(c.strip() for c in cells):
            continue  # blank spacer rows in reports
        lines.append(line)
        for j in range(width):
            value = cells[j].strip() if j < len(cells) else ""
            columns[j].append(value or None)
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
