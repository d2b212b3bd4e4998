"""Mapping files: how a foreign export becomes a canonical one, without editing the export.

A mapping is a TOML file (or a preset shipped in `presets/`). Every key is optional:

    entity = "invoices"                 # which import it is meant for (checked when given)
    [read]
    encoding = "utf-8"                  # any Python codec: cp1252, latin-1, utf-16 ...
    delimiter = ","                     # ";" for most European exports, "\t" for tabs
    sheet = "Sheet1"                    # XLSX: which sheet (default: the first)
    skip_rows = 0                       # rows above the header (a report's title block)
    header_contains = "Num"             # or: the header is the first row holding this cell
    skip_footer_rows = 0                # rows below the data (a totals row)
    drop_rows_where = { Date = "^(Total|TOTAL)" }   # drop rows whose column matches a regex
    drop_rows_without = "Num"           # drop rows where this column is empty (subtotals, spacers)
    [columns]                           # canonical name = column in the file, or a template
    invoice_ref = "InvoiceNumber"
    customer_ref = "{BUKRS}-{KUNNR}"    # {Column} placeholders join several columns
    [formats]
    date = "%m/%d/%Y"                   # strftime format(s) of dates; a list tries each in turn
    decimal_separator = ","
    thousands_separator = "."
    [constants]                         # a value for every row, whatever the file says
    currency = "EUR"
    [defaults]                          # a value where the file's cell is empty
    kind = "invoice"
    [values.kind]                       # translate the file's codes into canonical values
    ACCREC = "invoice"
    ACCRECCREDIT = "credit_note"
    [derive]
    group_lines_by = "invoice_ref"      # one row per invoice line: lines are summed into one invoice
    sum_columns = ["amount"]
    due_date_from = { baseline = "ZFBDT", days = ["ZBD3T", "ZBD2T", "ZBD1T"] }
    credit_indicator = { column = "SHKZG", credit_values = ["H"] }
    negative_amount_is_credit_note = true
    payment_amount_is_sum_of_applied = true
    create_missing_customers = true     # invoices naming a customer not yet in recoup create it

Names in [columns] on the right, in templates, in drop rules and in `derive` are the
file's own column names; everything else speaks canonical names.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recoup.imports.errors import MappingError
from recoup.ledger.canonical import ENTITIES

PRESETS_DIR = Path(__file__).parent / "presets"
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class ReadOptions:
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    skip_rows: int = 0
    header_contains: str | None = None
    skip_footer_rows: int = 0
    drop_rows_where: dict[str, str] = field(default_factory=dict)
    drop_rows_without: str | None = None

    @property
    def needs_row_scan(self) -> bool:
        """Title blocks and footers make a file ragged: read those row by row, not columnar."""
        return bool(self.skip_rows or self.header_contains or self.skip_footer_rows)


@dataclass(frozen=True)
class Mapping:
    name: str = "canonical"
    entity: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    decimal_separator: str = "."
    thousands_separator: str = ""
    constants: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    group_lines_by: str | None = None
    sum_columns: tuple[str, ...] = ()
    due_date_from: tuple[str, tuple[str, ...]] | None = None
    credit_indicator: tuple[str, frozenset[str]] | None = None
    negative_amount_is_credit_note: bool = False
    payment_amount_is_sum_of_applied: bool = False
    create_missing_customers: bool = False

    def template_columns(self, canonical: str) -> list[str] | None:
        """The file columns a template mapping reads, or None when it is a plain rename."""
        source = self.columns.get(canonical)
        if source is None or not _TEMPLATE.search(source):
            return None
        return _TEMPLATE.findall(source)


CANONICAL = Mapping()

_TOP_KEYS = {"entity", "name", "read", "columns", "formats", "constants", "defaults", "values", "derive"}
_READ_KEYS = {f for f in ReadOptions.__dataclass_fields__}
_FORMAT_KEYS = {"date", "decimal_separator", "thousands_separator"}
_DERIVE_KEYS = {
    "group_lines_by",
    "sum_columns",
    "due_date_from",
    "credit_indicator",
    "negative_amount_is_credit_note",
    "payment_amount_is_sum_of_applied",
    "create_missing_customers",
}


def list_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def load_mapping(spec: str | Path | None, *, entity: str) -> Mapping:
    """A preset name, a path to a TOML file, or None for the canonical format."""
    if spec is None or spec == "":
        return CANONICAL
    path = Path(spec)
    if not path.suffix and (PRESETS_DIR / f"{spec}.toml").exists():
        path = PRESETS_DIR / f"{spec}.toml"
    if not path.exists():
        raise MappingError(f"mapping {spec!r} is neither a preset ({', '.join(list_presets())}) nor a file that exists")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from exc
    mapping = parse_mapping(data, name=path.stem)
    if mapping.entity and mapping.entity != entity:
        raise MappingError(f"mapping {path.stem!r} is for {mapping.entity}, not {entity}")
    return mapping


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise MappingError(f"{where}: expected {names}, got {value!r}")
    return value


def _str_table(data: dict[str, Any], key: str) -> dict[str, str]:
    table = _expect(data.get(key, {}), dict, f"[{key}]")
    out: dict[str, str] = {}
    for k, v in table.items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise MappingError(f"[{key}] {k}: expected a string, got {v!r}")
        out[k] = v if isinstance(v, str) else str(v)
    return out


def _read_options(data: dict[str, Any]) -> ReadOptions:
    read_data = _expect(data.get("read", {}), dict, "[read]")
    bad = set(read_data) - _READ_KEYS
    if bad:
        raise MappingError(f"[read]: unknown key(s) {sorted(bad)}; allowed: {sorted(_READ_KEYS)}")
    read = ReadOptions(**read_data)
    for pattern in read.drop_rows_where.values():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise MappingError(f"[read] drop_rows_where: {pattern!r} is not a valid regular expression: {exc}") from exc
    try:
        "x".encode(read.encoding)
    except LookupError as exc:
        raise MappingError(f"[read] encoding = {read.encoding!r}: unknown encoding") from exc
    return read


def _derived_columns(
    derive: dict[str, Any],
) -> tuple[tuple[str, tuple[str, ...]] | None, tuple[str, frozenset[str]] | None]:
    """[derive]'s due_date_from (baseline column, day columns) and credit_indicator (column, values)."""
    due_from = None
    if "due_date_from" in derive:
        spec = _expect(derive["due_date_from"], dict, "[derive] due_date_from")
        if "baseline" not in spec or "days" not in spec:
            raise MappingError("[derive] due_date_from needs baseline = column and days = [columns]")
        days = spec["days"]
        due_from = (str(spec["baseline"]), tuple(days) if isinstance(days, list) else (str(days),))
    credit = None
    if "credit_indicator" in derive:
        spec = _expect(derive["credit_indicator"], dict, "[derive] credit_indicator")
        if "column" not in spec or "credit_values" not in spec:
            raise MappingError("[derive] credit_indicator needs column = name and credit_values = [values]")
        credit = (str(spec["column"]), frozenset(str(v) for v in spec["credit_values"]))
    return due_from, credit


def parse_mapping(data: dict[str, Any], *, name: str = "mapping") -> Mapping:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    entity = data.get("entity")
    if entity is not None and entity not in ENTITIES:
        raise MappingError(f"entity = {entity!r}: must be one of {sorted(ENTITIES)}")

    read = _read_options(data)
    columns = _str_table(data, "columns")
    if entity:
        known = ENTITIES[entity].known
        stray = set(columns) - known
        if stray:
            raise MappingError(f"[columns]: {sorted(stray)} are not canonical {entity} columns; allowed: {sorted(known)}")

    formats = _expect(data.get("formats", {}), dict, "[formats]")
    bad = set(formats) - _FORMAT_KEYS
    if bad:
        raise MappingError(f"[formats]: unknown key(s) {sorted(bad)}; allowed: {sorted(_FORMAT_KEYS)}")
    date = formats.get("date", "%Y-%m-%d")
    date_formats = (date,) if isinstance(date, str) else tuple(_expect(date, list, "[formats] date"))
    decimal = formats.get("decimal_separator", ".")
    thousands = formats.get("thousands_separator", "")
    if decimal not in {".", ","}:
        raise MappingError(f"[formats] decimal_separator = {decimal!r}: must be '.' or ','")
    if thousands == decimal:
        raise MappingError("[formats]: thousands_separator and decimal_separator must differ")

    values_data = _expect(data.get("values", {}), dict, "[values]")
    values = {
        col: {str(k): str(v) for k, v in _expect(table, dict, f"[values.{col}]").items()} for col, table in values_data.items()
    }

    derive = _expect(data.get("derive", {}), dict, "[derive]")
    bad = set(derive) - _DERIVE_KEYS
    if bad:
        raise MappingError(f"[derive]: unknown key(s) {sorted(bad)}; allowed: {sorted(_DERIVE_KEYS)}")
    due_from, credit = _derived_columns(derive)

    return Mapping(
        name=str(data.get("name", name)),
        entity=entity,
        read=read,
        columns=columns,
        date_formats=date_formats,
        decimal_separator=decimal,
        thousands_separator=thousands,
        constants=_str_table(data, "constants"),
        defaults=_str_table(data, "defaults"),
        values=values,
        group_lines_by=derive.get("group_lines_by"),
        sum_columns=tuple(derive.get("sum_columns", ())),
        due_date_from=due_from,
        credit_indicator=credit,
        negative_amount_is_credit_note=bool(derive.get("negative_amount_is_credit_note", False)),
        payment_amount_is_sum_of_applied=bool(derive.get("payment_amount_is_sum_of_applied", False)),
        create_missing_customers=bool(derive.get("create_missing_customers", False)),
    )
