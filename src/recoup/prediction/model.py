"""Gradient-boosted trees over the features of recoup.prediction.features (pure: no Django).

One regressor for the days until settlement (absolute-error loss: it predicts the median, which is
what the backtest's MAE rewards) and one classifier per probability (paid after the due date, not
paid within 7 days, not paid within 30 days). Validation is time-ordered only: the last 20% of the
examples by prediction date. The classifiers are trained on the first 80% and calibrated on that
last slice (isotonic when it is large, Platt otherwise); the regressor is refitted on everything
once its validation error is known. With fewer than ``MIN_SETTLED`` settled invoices the trees
would learn noise, so a history-free fallback answers instead: the global median and base rates
(or, on an empty ledger, "paid on the due date" and 0.5).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import polars as pl
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import mean_absolute_error, roc_auc_score
from threadpoolctl import threadpool_limits

from recoup.prediction.features import CATEGORICAL, NUMERIC

__all__ = ["MIN_SETTLED", "OUTPUT_SCHEMA", "TARGETS", "Model", "fit"]

TARGETS = {"p_late": "late", "p_7": "over_7", "p_30": "over_30"}
MIN_SETTLED = 500
VALIDATION_SHARE = 0.2
# HistGradientBoosting needs category codes below max_bins (255); rarer values become "missing".
MAX_CATEGORIES = 250
# Isotonic regression overfits small calibration sets; below this Platt scaling is steadier.
ISOTONIC_MIN = 1000
OUTPUT_SCHEMA: dict[str, type[pl.DataType]] = {
    "invoice_id": pl.Int64,
    "expected_days": pl.Float64,
    "p_late": pl.Float64,
    "p_7": pl.Float64,
    "p_30": pl.Float64,
}
# No early stopping: its internal split is random, not time-ordered, and a fixed size is reproducible.
TREE_PARAMS: dict[str, Any] = {
    "max_iter": 100,
    "learning_rate": 0.1,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 40,
    "early_stopping": False,
}
# OpenMP threads for fitting and scoring. One by default: on a small shared machine, several
# threads contend and a fit runs up to ten times slower; a large ledger may ask for more.
DEFAULT_THREADS = 1


@dataclass
class Model:
    """A trained (or fallback) model: what it was trained on, and how well it validated."""

    cutoff: dt.date
    mode: str
    numeric: list[str]
    categorical: list[str]
    vocab: dict[str, list[str]]
    median_days: float | None
    base_rates: dict[str, float]
    regressor: Any = None
    classifiers: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def fallback(self) -> bool:
        return self.regressor is None

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def matrix(self, rows: pl.DataFrame) -> np.ndarray:
        return _matrix(rows, self.numeric, self.categorical, self.vocab)

    def predict(self, rows: pl.DataFrame, *, threads: int = DEFAULT_THREADS) -> pl.DataFrame:
        """Frame(invoice_id, expected_days, p_late, p_7, p_30), in the order of ``rows``.

        ``expected_days`` counts from each row's prediction time ``at`` (never negative).
        """
        n = rows.height
        if n == 0:
            return pl.DataFrame(schema=OUTPUT_SCHEMA)
        if self.regressor is not None:
            x = self.matrix(rows)
            with threadpool_limits(limits=threads):
                days = np.clip(self.regressor.predict(x), 0, None)
                probs = {}
                for name in TARGETS:
                    est = self.classifiers.get(name)
                    probs[name] = est.predict_proba(x)[:, 1] if est is not None else np.full(n, self.base_rates[name])
        else:
            days, probs = self._fallback(rows)
        return pl.DataFrame(
            {
                "invoice_id": rows["invoice_id"],
                "expected_days": days.astype(float),
                **{k: v.astype(float) for k, v in probs.items()},
            },
            schema=OUTPUT_SCHEMA,
        )

    def _fallback(self, rows: pl.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        age = rows["age_days"].cast(pl.Float64).to_numpy()
        if self.median_days is None:
            # No history at all: the invoice's own terms are the only clue.
            days = np.clip(rows["days_to_due"].cast(pl.Float64).to_numpy(), 0, None)
        else:
            # An invoice already older than the median is expected any day now, not in the past.
            days = np.clip(self.median_days - age, 0, None)
        n = rows.height
        return days, {name: np.full(n, self.base_rates.get(name, 0.5)) for name in TARGETS}

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        return path

    @staticmethod
    def load(path: Path) -> Model:
        model = joblib.load(path)
        if not isinstance(model, Model):
            raise TypeError(f"{path} does not hold a recoup prediction model")
        return model


def _vocab(examples: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col in columns:
        counts = examples[col].cast(pl.String).drop_nulls().value_counts(sort=True)
        # Most frequent first, ties by value, so the codes are deterministic.
        counts = counts.sort(["count", col], descending=[True, False])
        out[col] = counts[col].head(MAX_CATEGORIES).to_list()
    return out


def _matrix(rows: pl.DataFrame, numeric: list[str], categorical: list[str], vocab: dict[str, list[str]]) -> np.ndarray:
    """Numeric columns as floats (null → NaN, which the trees route on their own) then category codes."""
    cols = []
    for col in numeric:
        series = rows[col] if col in rows.columns else pl.Series(col, [None] * rows.height)
        cols.append(series.cast(pl.Float64).fill_null(float("nan")).to_numpy())
    for col in categorical:
        codes = {value: float(i) for i, value in enumerate(vocab[col])}
        if col in rows.columns:
            values = rows[col].cast(pl.String).replace_strict(codes, default=None, return_dtype=pl.Float64)
            cols.append(values.fill_null(float("nan")).to_numpy())
        else:
            cols.append(np.full(rows.height, float("nan")))
    if not cols:
        return np.empty((rows.height, 0))
    return np.column_stack(cols).astype(np.float64)


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else None


def fit(
    examples: pl.DataFrame,
    *,
    cutoff: dt.date,
    mode: str,
    attribute_columns: list[str] | None = None,
    min_settled: int = MIN_SETTLED,
    seed: int = 0,
    threads: int = DEFAULT_THREADS,
) -> Model:
    """Train on ``examples`` (from features.training_examples, all settled before ``cutoff``)."""
    with threadpool_limits(limits=threads):
        return _fit(examples, cutoff=cutoff, mode=mode, attribute_columns=attribute_columns, min_settled=min_settled, seed=seed)


def _time_split(at: pl.Series) -> tuple[np.ndarray, dt.date] | None:
    """Validation = the rows from the prediction date 80% of the way through (rows sorted by date)."""
    if at.len() < 2:
        return None
    split_at = at[int(at.len() * (1 - VALIDATION_SHARE))]
    is_val = (at >= split_at).to_numpy()
    if is_val.all() or not is_val.any():
        return None
    return is_val, split_at


def _fit_classifier(
    name: str, target: str, examples: pl.DataFrame, x_all: np.ndarray, mask: list[bool], seed: int, metrics: dict[str, Any]
) -> Any:
    """One target's classifier: trees fitted on the earlier examples and calibrated on the latest
    (time-ordered); None where the target has one class only (the base rate is the honest answer).
    Writes its validation AUC and calibration method into ``metrics``."""
    rows = examples[target].is_not_null().to_numpy()
    y = examples[target].cast(pl.Int8).to_numpy()[rows]
    xt = x_all[rows]
    if len(np.unique(y)) < 2:
        return None

    def classifier() -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(categorical_features=mask, random_state=seed, **TREE_PARAMS)

    split = _time_split(examples.filter(pl.Series(rows))["at"])
    if split is None or len(np.unique(y[~split[0]])) < 2 or len(np.unique(y[split[0]])) < 2:
        # No two-class validation slice (say, every recent example is an invoice still unpaid):
        # nothing to calibrate or score on, but the trees still rank better than a base rate.
        metrics[f"calibration_{name}"] = "none (no two-class validation slice)"
        return classifier().fit(xt, y)
    val_rows, _ = split
    clf = classifier().fit(xt[~val_rows], y[~val_rows])
    metrics[f"auc_{name}"] = _auc(y[val_rows], clf.predict_proba(xt[val_rows])[:, 1])
    method = "isotonic" if val_rows.sum() >= ISOTONIC_MIN else "sigmoid"
    metrics[f"calibration_{name}"] = method
    return CalibratedClassifierCV(FrozenEstimator(clf), method=method).fit(xt[val_rows], y[val_rows])


def _fit(
    examples: pl.DataFrame, *, cutoff: dt.date, mode: str, attribute_columns: list[str] | None, min_settled: int, seed: int
) -> Model:
    latest = examples["settled_on"].max() if examples.height else None
    if isinstance(latest, dt.date) and latest >= cutoff:
        raise ValueError("examples include outcomes on or after the cut-off: they were not known then")
    categorical = [*CATEGORICAL, *(attribute_columns or [])]
    numeric = list(NUMERIC)
    # Targets are null where they were not known at the cut-off (features._known_outcomes): each
    # estimator trains on the rows where its own target is known.
    for target in ("days", *TARGETS.values()):
        if target not in examples.columns:
            raise ValueError(f"examples lack the target {target!r}")
    paid = examples.filter(pl.col("settled_on").is_not_null()) if examples.height else examples
    settled = paid["invoice_id"].n_unique() if paid.height else 0
    # The fallback's median is that of the paid invoices (from their settlement dates: ``days`` is
    # null for the last weeks' examples), as the global_median baseline's.
    median = float(paid.select((pl.col("settled_on") - pl.col("at")).dt.total_days().median()).item()) if paid.height else None
    base = {name: float(rate) for name, target in TARGETS.items() if (rate := examples[target].mean()) is not None}  # type: ignore[arg-type]
    model = Model(
        cutoff=cutoff, mode=mode, numeric=numeric, categorical=categorical, vocab={}, median_days=median, base_rates=base
    )
    model.metrics = {"n_examples": examples.height, "n_settled": settled, "fallback": True}
    if settled < min_settled:
        return model

    examples = examples.sort("at", "invoice_id")
    model.vocab = _vocab(examples, categorical)
    x_all = model.matrix(examples)
    mask = [False] * len(numeric) + [True] * len(categorical)

    known = examples["days"].is_not_null().to_numpy()
    split = _time_split(examples.filter(pl.Series(known))["at"])
    if split is None:
        return model
    is_val, split_at = split
    x = x_all[known]
    y_days = examples["days"].cast(pl.Float64).to_numpy()[known]
    # Validation error on paid invoices only: a censored row's target is a lower bound, not a truth.
    truth = examples["settled_on"].is_not_null().to_numpy()[known]
    train, val = ~is_val, is_val & truth

    def regressor() -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(loss="absolute_error", categorical_features=mask, random_state=seed, **TREE_PARAMS)

    reg = regressor().fit(x[train], y_days[train])
    val_median = float(np.median(y_days[train & truth])) if (train & truth).any() else float(np.median(y_days[train]))
    metrics: dict[str, Any] = {
        "n_examples": examples.height,
        "n_settled": settled,
        "n_censored_examples": int(examples["settled_on"].is_null().sum()),
        "fallback": False,
        "validation_from": split_at.isoformat(),
        "n_validation": int(val.sum()),
        "mae_days": float(mean_absolute_error(y_days[val], np.clip(reg.predict(x[val]), 0, None))) if val.any() else None,
        "mae_days_global_median": float(mean_absolute_error(y_days[val], np.full(val.sum(), val_median))) if val.any() else None,
    }
    model.regressor = regressor().fit(x, y_days)

    for name, target in TARGETS.items():
        model.classifiers[name] = _fit_classifier(name, target, examples, x_all, mask, seed, metrics)
    model.metrics = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in metrics.items()}
    return model
