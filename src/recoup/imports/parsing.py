"""Column-at-a-time parsing and validation of canonical frames.

Every check adds the failing rows to an error list (line, column, value, reason) instead of
stopping at the first, so the user sees every bad row of a file at once.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

import polars as pl

from recoup.imports.errors import RowError
from recoup.ledger.canonical import LINE

MAX_INT_DIGITS = 15  # 10^15 minor units is far beyond any invoice and far within Int64
_MULTIPLIER = {0: 1, 1: 10, 2: 100, 3: 1_000, 4: 10_000}
_TRUE = ["true", "t", "yes", "y", "1", "x"]
_FALSE = ["false", "f", "no", "n", "0", ""]
ERROR_SCHEMA = {"line": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}


class Checker:
    """Collects row errors and warnings as frames; `errors()` and `warnings()` turn them into
    RowError values, in line order.

    An error sets its row aside; a warning only tells (the row is imported). Values are echoed
    as the file wrote them: once a column is parsed (an amount into minor units), its text is
    kept aside by line and shown instead of the parsed value.
    """

    def __init__(self, source_names: dict[str, str], found_on_reading: Iterable[RowError] = ()) -> None:
        self.source_names = source_names
        self._frames: list[pl.DataFrame] = []
        self._warnings: list[pl.DataFrame] = []
        self._as_written: dict[str, pl.DataFrame] = {}
        self._on_reading = _error_frame(found_on_reading)
        if self._on_reading.height:
            self._frames.append(self._on_reading)

    def name(self, column: str) -> str:
        return self.source_names.get(column, column)

    def keep_as_written(self, column: str, text: pl.DataFrame) -> None:
        """`text`: the column's text as written (`LINE`, `text`), replacing what was kept for those lines."""
        text = text.select(LINE, pl.col("text").cast(pl.String))
        kept = self._as_written.get(column)
        self._as_written[column] = text if kept is None else pl.concat([text, kept.join(text, on=LINE, how="anti")])

    def flag(
        self, frame: pl.DataFrame, bad: pl.Expr, column: str, reason: str | pl.Expr, *, value: pl.Expr | None = None
    ) -> None:
        """Record every row of `frame` where `bad` holds."""
        hits = self._hits(frame, bad, column, reason, value)
        if hits.height:
            self._frames.append(hits)

    def warn(
        self, frame: pl.DataFrame, bad: pl.Expr, column: str, reason: str | pl.Expr, *, value: pl.Expr | None = None
    ) -> None:
        """Tell about every row of `frame` where `bad` holds, without setting it aside."""
        hits = self._hits(frame, bad, column, reason, value)
        if hits.height:
            self._warnings.append(hits)

    def _hits(self, frame: pl.DataFrame, bad: pl.Expr, column: str, reason: str | pl.Expr, value: pl.Expr | None) -> pl.DataFrame:
        written = self._as_written.get(column) if value is None else None
        if value is None:
            value = pl.col(column) if column in frame.columns and written is None else pl.lit("")
        reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
        hits = frame.filter(bad.fill_null(False)).select(
            pl.col(LINE).alias("line"),
            pl.lit(self.name(column)).alias("column"),
            value.cast(pl.String).fill_null("").alias("value"),
            reason_expr.cast(pl.String).alias("reason"),
        )
        if written is not None and hits.height:
            text = written.rename({LINE: "line"})
            hits = hits.join(text, on="line", how="left", maintain_order="left").select(
                "line", "column", pl.col("text").fill_null("").alias("value"), "reason"
            )
        return hits

    def add(self, errors: pl.DataFrame) -> None:
        if errors.height:
            self._frames.append(errors.select(list(ERROR_SCHEMA)).cast(ERROR_SCHEMA))  # type: ignore[arg-type]

    @property
    def bad_lines(self) -> pl.Series:
        if not self._frames:
            return pl.Series("line", [], dtype=pl.Int64)
        return pl.concat(self._frames)["line"].unique()

    def errors(self) -> list[RowError]:
        merged = _merged(self._frames)
        if self._on_reading.height:
            # A cell that could not be read (a formula without a value) reads as empty: what the
            # checks say about that emptiness is noise beside the reason.
            later = merged.join(self._on_reading.select("line", "column"), on=["line", "column"], how="anti")
            merged = pl.concat([self._on_reading, later]).unique(maintain_order=True).sort("line", maintain_order=True)
        return _row_errors(merged)

    def warnings(self) -> list[RowError]:
        return _row_errors(_merged(self._warnings))

    def __bool__(self) -> bool:
        return bool(self._frames)


def _error_frame(errors: Iterable[RowError]) -> pl.DataFrame:
    rows = [(e.line, e.column, e.value, e.reason) for e in errors]
    return pl.DataFrame(rows, schema=ERROR_SCHEMA, orient="row")


def _merged(frames: list[pl.DataFrame]) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).unique(maintain_order=True).sort("line", maintain_order=True)


def _row_errors(frame: pl.DataFrame) -> list[RowError]:
    return [RowError(line=r[0], column=r[1], value=r[2], reason=r[3]) for r in frame.iter_rows()]


def major_text(minor: pl.Expr, exponent: pl.Expr) -> pl.Expr:
    """Integer minor units → decimal text in major units ("2500.00"), for messages about sums
    the file did not write itself (what a payment would settle, what is already paid)."""
    scale = exponent.replace_strict(_MULTIPLIER, default=None, return_dtype=pl.Int64)
    whole = (minor.abs() // scale).cast(pl.String)
    fraction = (minor.abs() % scale).cast(pl.String).str.zfill(exponent)
    sign = pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (
        pl.when(exponent == 0).then(pl.concat_str([sign, whole])).otherwise(pl.concat_str([sign, whole, pl.lit("."), fraction]))
    )


def require_present(frame: pl.DataFrame, check: Checker, columns: Iterable[str]) -> None:
    for column in columns:
        check.flag(frame, pl.col(column).is_null(), column, "required, but empty")


def max_length(frame: pl.DataFrame, check: Checker, limits: dict[str, int]) -> None:
    for column, limit in limits.items():
        if column in frame.columns:
            check.flag(frame, pl.col(column).str.len_chars() > limit, column, f"longer than {limit} characters")


def parse_dates(
    frame: pl.DataFrame, check: Checker, column: str, formats: tuple[str, ...], *, out: str | None = None
) -> pl.DataFrame:
    """Parse a text column into dates by the mapping's formats; ISO dates are always accepted."""
    target = out or column
    if column not in frame.columns:
        return frame.with_columns(pl.lit(None, dtype=pl.Date).alias(target))
    tries = [*formats, *(["%Y-%m-%d"] if "%Y-%m-%d" not in formats else [])]
    parsed = pl.coalesce([pl.col(column).str.strptime(pl.Date, f, strict=False, exact=True) for f in tries])
    frame = frame.with_columns(parsed.alias(f"__date_{target}"))
    shown = " or ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY") for f in formats)
    check.flag(
        frame, pl.col(column).is_not_null() & pl.col(f"__date_{target}").is_null(), column, f"not a date (expected {shown})"
    )
    return frame.with_columns(pl.col(f"__date_{target}").alias(target)).drop(f"__date_{target}")


def parse_int(frame: pl.DataFrame, check: Checker, column: str, *, minimum: int = 0, maximum: int = 10_000) -> pl.DataFrame:
    if column not in frame.columns:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(column))
    parsed = pl.col(column).str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    frame = frame.with_columns(parsed.alias("__int"))
    check.flag(frame, pl.col(column).is_not_null() & pl.col("__int").is_null(), column, "not a whole number")
    check.flag(
        frame, (pl.col("__int") < minimum) | (pl.col("__int") > maximum), column, f"must be between {minimum} and {maximum}"
    )
    return frame.with_columns(pl.col("__int").alias(column)).drop("__int")


def parse_bool(frame: pl.DataFrame, check: Checker, column: str, *, default: bool = False) -> pl.DataFrame:
    if column not in frame.columns:
        return frame.with_columns(pl.lit(default).alias(column))
    lowered = pl.col(column).str.to_lowercase()
    check.flag(frame, lowered.is_not_null() & ~lowered.is_in(_TRUE + _FALSE), column, "not a yes/no value (use true or false)")
    return frame.with_columns(pl.when(lowered.is_null()).then(pl.lit(default)).otherwise(lowered.is_in(_TRUE)).alias(column))


def parse_minor(
    frame: pl.DataFrame,
    check: Checker,
    column: str,
    *,
    exponent: str,
    currency: str,
    decimal_sep: str,
    thousands_sep: str,
    out: str | None = None,
) -> pl.DataFrame:
    """Text amounts in major units → integer minor units, by the currency's exponent.

    The same rules as kernel.money.parse_minor, column at a time: declared separators only,
    groups of three, a sign before or after, accounting parentheses for negatives, and never
    more decimals than the currency has (an import must not round anyone's money).
    """
    target = out or column
    if column not in frame.columns:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(target))
    check.keep_as_written(target, frame.select(LINE, pl.col(column).alias("text")))
    fast = _parse_plain_minor(frame, check, column, exponent=exponent, currency=currency, decimal_sep=decimal_sep, target=target)
    if fast is not None:
        return fast
    parts = _amount_parts(frame, column, exponent=exponent, decimal_sep=decimal_sep, thousands_sep=thousands_sep)
    frame = frame.with_columns(
        parts["minor"].alias(f"__minor_{target}"),
        parts["ok"].alias("__ok"),
        parts["signs"].alias("__signs"),
        parts["int_digits"].alias("__idig"),
        parts["frac_digits"].alias("__fdig"),
    )
    present = pl.col(column).is_not_null() & pl.col(exponent).is_not_null()
    sep_hint = f"decimal separator {decimal_sep!r}" + (
        f", thousands separator {thousands_sep!r}" if thousands_sep else ", no thousands separator"
    )
    # A value that is not a well-formed amount, or that slipped through without a value, is refused.
    check.flag(
        frame,
        present
        & (
            ~pl.col("__ok")
            | pl.col(f"__minor_{target}").is_null()
            & (pl.col("__signs") <= 1)
            & (pl.col("__idig") <= MAX_INT_DIGITS)
            & (pl.col("__fdig") <= pl.col(exponent))
        ),
        column,
        f"not an amount ({sep_hint})",
    )
    check.flag(frame, present & pl.col("__ok") & (pl.col("__signs") > 1), column, "more than one sign")
    check.flag(frame, present & pl.col("__ok") & (pl.col("__idig") > MAX_INT_DIGITS), column, "amount too large")
    check.flag(
        frame,
        present & pl.col("__ok") & (pl.col("__fdig") > pl.col(exponent)),
        column,
        pl.format("more decimals than {} allows ({})", pl.col(currency), pl.col(exponent)),
    )
    return frame.with_columns(pl.col(f"__minor_{target}").alias(target)).drop(
        [f"__minor_{target}", "__ok", "__signs", "__idig", "__fdig"]
    )


def _amount_parts(frame: pl.DataFrame, column: str, *, exponent: str, decimal_sep: str, thousands_sep: str) -> pl.DataFrame:
    """Each amount taken apart: `minor` (None unless well formed), `ok` (the shape is an amount's),
    `signs` (how many), `int_digits` and `frac_digits` (significant ones)."""
    d, t = re.escape(decimal_sep), re.escape(thousands_sep)
    chars = "0-9" + d + t
    shape = re.compile(rf"^\s*(\()?\s*([-+])?\s*([{chars}]+?)\s*(-)?\s*(\))?\s*$").pattern
    grouped = (
        rf"^(?:[0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]+)(?:{d}[0-9]*)?$|^{d}[0-9]+$"
        if thousands_sep
        else rf"^[0-9]+(?:{d}[0-9]*)?$|^{d}[0-9]+$"
    )
    parts = frame.select(
        pl.col(column).str.extract_groups(shape).struct.rename_fields(["lp", "sign", "num", "trail", "rp"]).alias("p"),
        pl.col(exponent).alias("exp"),
    ).unnest("p")
    number = pl.col("num")
    well_formed = number.is_not_null() & number.str.contains(grouped) & (pl.col("lp").is_null() == pl.col("rp").is_null())
    signs = (
        pl.col("sign").is_not_null().cast(pl.Int8)
        + pl.col("trail").is_not_null().cast(pl.Int8)
        + pl.col("lp").is_not_null().cast(pl.Int8)
    )
    plain = number.str.replace_all(thousands_sep, "", literal=True) if thousands_sep else number
    plain = plain.str.replace(decimal_sep, ".", literal=True) if decimal_sep != "." else plain
    split = plain.str.extract_groups(r"^([0-9]*)(?:\.([0-9]*))?$").struct.rename_fields(["int", "frac"])
    parts = parts.with_columns(well_formed.alias("ok"), signs.alias("signs"), split.alias("s")).unnest("s")
    int_digits = pl.col("int").str.strip_chars_start("0").str.len_chars()
    frac = pl.col("frac").fill_null("")
    frac_len = frac.str.len_chars()
    frac_digits = frac.str.strip_chars_end("0").str.len_chars()  # trailing zeros never lose money
    multiplier = pl.col("exp").replace_strict(_MULTIPLIER, default=None, return_dtype=pl.Int64)
    magnitude = pl.col("int").replace("", "0").cast(pl.Int64, strict=False) * multiplier + frac.str.pad_end(4, "0").str.slice(
        0, pl.col("exp")
    ).replace("", "0").cast(pl.Int64, strict=False)
    negative = pl.col("sign").eq("-").fill_null(False) | pl.col("trail").is_not_null() | pl.col("lp").is_not_null()
    parts = parts.with_columns(
        pl.when(pl.col("ok") & (pl.col("signs") <= 1) & (int_digits <= MAX_INT_DIGITS) & (frac_digits <= pl.col("exp")))
        .then(pl.when(negative).then(-magnitude).otherwise(magnitude))
        .otherwise(None)
        .alias("minor"),
        int_digits.alias("int_digits"),
        frac_digits.alias("frac_digits"),
        frac_len.alias("frac_len"),
    )
    return parts


def _parse_plain_minor(
    frame: pl.DataFrame, check: Checker, column: str, *, exponent: str, currency: str, decimal_sep: str, target: str
) -> pl.DataFrame | None:
    """The common case, one regular expression instead of several: every amount is a plain
    number ("1234.50", "-7"). Returns None when any is not, for the general path to handle."""
    plain = rf"^-?[0-9]{{1,{MAX_INT_DIGITS}}}(?:{re.escape(decimal_sep)}[0-9]+)?$"
    text = pl.col(column)
    if frame.select((text.is_not_null() & ~text.str.contains(plain)).any()).item():
        return None
    parts = text.str.strip_chars_start("-").str.split_exact(decimal_sep, 1).struct.rename_fields(["int", "frac"])
    work = frame.select(parts.alias("p"), text.str.starts_with("-").alias("neg"), pl.col(exponent).alias("exp")).unnest("p")
    frac = pl.col("frac").fill_null("")
    multiplier = pl.col("exp").replace_strict(_MULTIPLIER, default=None, return_dtype=pl.Int64)
    magnitude = pl.col("int").cast(pl.Int64) * multiplier + frac.str.pad_end(4, "0").str.slice(0, pl.col("exp")).replace(
        "", "0"
    ).cast(pl.Int64, strict=False)
    significant = frac.str.strip_chars_end("0").str.len_chars()
    work = work.select(
        pl.when(significant <= pl.col("exp")).then(pl.when(pl.col("neg")).then(-magnitude).otherwise(magnitude)).alias("minor"),
        (significant > pl.col("exp")).alias("too_many"),
    )
    frame = frame.with_columns(work["minor"].alias("__minor"), work["too_many"].alias("__too_many"))
    present = text.is_not_null() & pl.col(exponent).is_not_null()
    check.flag(
        frame,
        present & pl.col("__too_many"),
        column,
        pl.format("more decimals than {} allows ({})", pl.col(currency), pl.col(exponent)),
    )
    return frame.with_columns(pl.col("__minor").alias(target)).drop(["__minor", "__too_many"])


def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def duplicates(frame: pl.DataFrame, check: Checker, keys: list[str], column: str) -> None:
    """Flag the second and later rows that repeat a key within the same file, naming the first."""
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    # The first line is taken over the whole file, before the flagged rows are picked out.
    lines = frame.select(*dict.fromkeys([*keys, column]), LINE).with_columns(pl.col(LINE).min().over(keys).alias("__first"))
    check.flag(
        lines,
        present & (pl.col(LINE) != pl.col("__first")),
        column,
        pl.format("appears more than once in this file (first at line {})", pl.col("__first")),
    )
