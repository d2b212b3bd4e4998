"""Apply a mapping to a frame read from a file: the result speaks canonical column names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from recoup.imports.errors import FileFormatError
from recoup.imports.mapping import Mapping
from recoup.ledger.canonical import LINE, EntitySpec

_PIECE = re.compile(r"\{([^{}]+)\}")

# Columns the derive rules read from the file; kept under these names for the validator.
DUE_BASELINE = "__due_baseline"
DUE_DAYS = "__due_days_"
CREDIT_FLAG = "__credit"


@dataclass(frozen=True)
class CanonicalFrame:
    frame: pl.DataFrame
    # canonical column -> how the file names it, so errors point at the file's own header
    source_names: dict[str, str]
    extra_columns: tuple[str, ...]


def to_canonical(frame: pl.DataFrame, mapping: Mapping, spec: EntitySpec) -> CanonicalFrame:
    source_names: dict[str, str] = {}
    consumed: set[str] = set()
    exprs: list[pl.Expr] = []
    for canonical, source in mapping.columns.items():
        pieces = _PIECE.findall(source)
        if pieces:
            missing = [p for p in pieces if p not in frame.columns]
            if missing:
                raise FileFormatError(f"mapping: {canonical} = {source!r} names column(s) {missing} that the file does not have")
            parts: list[str] = _PIECE.split(source)
            # split gives literal, name, literal, name, ...: odd positions are column names.
            fmt = "".join(p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{}" for i, p in enumerate(parts))
            exprs.append(pl.format(fmt, *[pl.col(p).str.strip_chars() for p in pieces]).alias(canonical))
            consumed.update(pieces)
        else:
            if source not in frame.columns:
                raise FileFormatError(
                    f"mapping: {canonical} = {source!r}, but the file has no column {source!r} (it has: {_list(frame.columns)})"
                )
            exprs.append(pl.col(source).alias(canonical))
            consumed.add(source)
        source_names[canonical] = source

    derived: list[pl.Expr] = []
    if mapping.due_date_from is not None:
        baseline, days = mapping.due_date_from
        for name in (baseline, *days):
            if name not in frame.columns:
                raise FileFormatError(f"mapping: due_date_from names column {name!r}, which the file does not have")
        derived.append(pl.col(baseline).alias(DUE_BASELINE))
        derived.extend(pl.col(d).alias(f"{DUE_DAYS}{i}") for i, d in enumerate(days))
        source_names[DUE_BASELINE] = baseline
        consumed.update((baseline, *days))
    if mapping.credit_indicator is not None:
        column, credit_values = mapping.credit_indicator
        if column not in frame.columns:
            raise FileFormatError(f"mapping: credit_indicator names column {column!r}, which the file does not have")
        derived.append(pl.col(column).is_in(list(credit_values)).fill_null(False).alias(CREDIT_FLAG))
        consumed.add(column)

    renamed = set(mapping.columns)
    # A file column already named canonically is used as it is, unless the mapping filled it.
    passthrough = [c for c in frame.columns if c != LINE and c not in consumed and c not in renamed]
    out = frame.select([*exprs, *derived, *[pl.col(c) for c in passthrough], pl.col(LINE)])
    for c in passthrough:
        source_names.setdefault(c, c)

    for canonical, table in mapping.values.items():
        if canonical in out.columns:
            out = out.with_columns(pl.col(canonical).replace(table).alias(canonical))
    for canonical, value in mapping.constants.items():
        out = out.with_columns(pl.lit(value, dtype=pl.String).alias(canonical))
        source_names.setdefault(canonical, canonical)
    for canonical, value in mapping.defaults.items():
        if canonical in out.columns:
            out = out.with_columns(pl.col(canonical).fill_null(value))
        else:
            out = out.with_columns(pl.lit(value, dtype=pl.String).alias(canonical))
            source_names.setdefault(canonical, canonical)

    internal = {DUE_BASELINE, CREDIT_FLAG}
    extra = tuple(
        c for c in out.columns if c not in spec.known and c != LINE and c not in internal and not c.startswith(DUE_DAYS)
    )
    return CanonicalFrame(frame=out, source_names=source_names, extra_columns=extra)


def _list(columns: list[str]) -> str:
    shown = [c for c in columns if c != LINE]
    return ", ".join(shown[:15]) + (" ..." if len(shown) > 15 else "")
