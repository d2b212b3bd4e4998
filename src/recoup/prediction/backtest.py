"""The backtest of DESIGN §6: train on the past, predict what came next, compare with baselines.

Pure (no Django). Training never sees the future by construction: the model is fitted on the
ledger *truncated* at the start of ``as_of`` (nothing dated ``as_of`` or later), so only invoices
settled before ``as_of`` and facts dated before it exist for it. Test rows then take their
features from the full ledger, but features only ever read facts dated before their own
prediction time (recoup.prediction.features).

``issue`` mode: every invoice issued on or after ``as_of`` and settled by the end of the data
(``end``, the last date anything happened in the ledger) is predicted at its issue date.
``mae_days`` = mean |predicted − actual days from issue to settlement|; ``auc_late`` = ROC AUC
for "settled after the due date" (the model's score is p_late; a baseline's is its predicted
pay date minus the due date, so a baseline ranks invoices by how late its estimate makes them).

``open`` mode: snapshots at ``as_of``, ``as_of`` + 7, … while the 4-week cash horizon still
ends within the data. For invoices open at a snapshot and settled by ``end``: ``mae_days`` of the
remaining days to settlement and ``auc_30`` for "not paid within 30 days" (model: p_30; baseline:
its predicted remaining days). ``wape_cash``: for each snapshot and each week 1–4 ahead, the
forecast is the open amount of every invoice open at the snapshot (settled later or never)
predicted to be paid in that week, the actual is what was allocated to those invoices in that
week; WAPE = Σ|forecast − actual| ÷ Σ actual over all snapshots, weeks (and currencies, see
``_cash``). The model is trained once, at ``as_of``.

Baselines: ``global_median`` predicts the median days to settle of the training set;
``customer_mean`` the customer's own mean days from issue to settlement before the prediction
time (the behaviour features' avg_days_to_pay, as of the behaviour date), or the global median for
a customer without history. For an invoice already ``age`` days old both predict
max(estimate − age, 0) remaining days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from recoup.analytics.frames import Ledger, MissingRate, to_home
from recoup.prediction.features import Attributes, Mode, issue_rows, snapshot_rows, training_examples
from recoup.prediction.model import DEFAULT_THREADS, MIN_SETTLED, Model, fit

__all__ = ["HORIZON_WEEKS", "RELIABILITY_BINS", "backtest", "data_end", "reliability", "truncate"]

HORIZON_WEEKS = 4
BASELINES = ("global_median", "customer_mean")
RELIABILITY_BINS = 10


def _round4(value: float) -> float:
    return round(float(value), 4)


def reliability(predicted: np.ndarray, observed: np.ndarray, bins: int = RELIABILITY_BINS) -> dict[str, Any]:
    """How well probabilities match frequencies: equal-width bins of the predicted probability,
    each with its count, mean prediction and observed frequency; and the Brier score beside that
    of always predicting the observed base rate (what a model with no skill would score).

    The last bin includes 1.0. A calibrated model has mean_predicted ≈ observed in every bin.
    """
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(observed, dtype=float)
    n = len(y)
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        rows.append(
            {
                "from": b / bins,
                "to": (b + 1) / bins,
                "n": count,
                "mean_predicted": _round4(p[mask].mean()) if count else None,
                "observed": _round4(y[mask].mean()) if count else None,
            }
        )
    base = float(y.mean()) if n else None
    return {
        "n": n,
        "base_rate": None if base is None else _round4(base),
        "brier": _round4(np.mean((p - y) ** 2)) if n else None,
        "brier_base_rate": None if base is None else _round4(base * (1 - base)),
        "certain": int(((p <= 0) | (p >= 1)).sum()),  # predictions of exactly 0 or 1
        "bins": rows,
    }


def truncate(ledger: Ledger, before: dt.date) -> Ledger:
    """The ledger as known at the start of ``before``: nothing dated that day or later."""
    return Ledger(
        ledger.invoices.filter(pl.col("issue_date") < before),
        ledger.allocations.filter(pl.col("applied_on") < before),
        ledger.payments.filter(pl.col("received_on") < before),
        ledger.customers,
        fx_rates=None if ledger.fx_rates is None else ledger.fx_rates.filter(pl.col("on") < before),
        home_currency=ledger.home_currency,
    )


def data_end(ledger: Ledger) -> dt.date:
    """The last date anything happened in the ledger: outcomes are observed up to it."""
    dates = [
        ledger.invoices["issue_date"].max(),
        ledger.allocations["applied_on"].max(),
        ledger.payments["received_on"].max(),
    ]
    known = [d for d in dates if isinstance(d, dt.date)]
    if not known:
        raise ValueError("the ledger is empty: nothing to backtest")
    return max(known)


def _auc(y: pl.Series, score: np.ndarray) -> float | None:
    truth = y.cast(pl.Int8).to_numpy()
    return float(roc_auc_score(truth, score)) if len(np.unique(truth)) == 2 else None


def _mae(actual: pl.Series, predicted: np.ndarray) -> float | None:
    return float(np.mean(np.abs(actual.cast(pl.Float64).to_numpy() - predicted))) if actual.len() else None


def _predictions(model: Model, rows: pl.DataFrame, median: float, threads: int) -> dict[str, np.ndarray]:
    """Predicted remaining days per method (model and both baselines), aligned with ``rows``."""
    age = rows["age_days"].cast(pl.Float64).to_numpy()
    own = rows["avg_days_to_pay"].cast(pl.Float64).fill_null(median).to_numpy()
    out = model.predict(rows, threads=threads)
    return {
        "model": out["expected_days"].to_numpy(),
        "global_median": np.clip(median - age, 0, None),
        "customer_mean": np.clip(own - age, 0, None),
        "p_late": out["p_late"].to_numpy(),
        "p_30": out["p_30"].to_numpy(),
    }


def _train(
    ledger: Ledger, as_of: dt.date, mode: Mode, attributes: Attributes | None, min_settled: int, threads: int
) -> tuple[Model, float, int]:
    known = truncate(ledger, as_of)
    examples = training_examples(known, cutoff=as_of, mode=mode, attributes=attributes)
    if examples.height == 0:
        raise ValueError(f"no invoice was settled before {as_of.isoformat()}: nothing to learn from")
    model = fit(
        examples,
        cutoff=as_of,
        mode=mode,
        attribute_columns=attributes.columns() if attributes else None,
        min_settled=min_settled,
        threads=threads,
    )
    # The training set's median over invoices (issue-time rows), as the baseline is defined.
    # Censored examples (still open at the cut-off) are not part of it: their days are lower bounds.
    paid = examples.filter(pl.col("settled_on").is_not_null())
    # From the settlement dates: ``days`` is left out (null) for the last weeks' examples.
    to_settle = (pl.col("settled_on") - pl.col("issue_date")).dt.total_days()
    median = float(paid.filter(pl.col("at") == pl.col("issue_date")).select(to_settle.median()).item())
    return model, median, paid["invoice_id"].n_unique()


def backtest(
    ledger: Ledger,
    *,
    as_of: dt.date,
    mode: Mode,
    attributes: Attributes | None = None,
    end: dt.date | None = None,
    weeks: int | None = None,
    min_settled: int = MIN_SETTLED,
    threads: int = DEFAULT_THREADS,
) -> dict[str, Any]:
    """Run the backtest; returns the DESIGN §6 JSON object (plus a few descriptive keys)."""
    end = end or data_end(ledger)
    if as_of > end:
        raise ValueError(f"as_of {as_of.isoformat()} is after the last date in the ledger ({end.isoformat()})")
    model, median, n_train = _train(ledger, as_of, mode, attributes, min_settled, threads)
    head: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "mode": mode,
        "data_end": end.isoformat(),
        "n_train": n_train,
        "fallback": model.fallback,
    }
    if mode == "issue":
        return head | _issue(ledger, model, median, as_of, end, attributes, threads)
    if mode == "open":
        return head | _open(ledger, model, median, as_of, end, weeks, attributes, threads)
    raise ValueError(f"mode must be 'issue' or 'open', not {mode!r}")


def _issue(
    ledger: Ledger,
    model: Model,
    median: float,
    as_of: dt.date,
    end: dt.date,
    attributes: Attributes | None,
    threads: int,
) -> dict[str, Any]:
    every = issue_rows(ledger, issued_from=as_of, attributes=attributes)
    settled = pl.col("settled_on").is_not_null() & (pl.col("settled_on") <= end)
    rows = every.filter(settled)
    if rows.height == 0:
        raise ValueError(f"no invoice issued on or after {as_of.isoformat()} has been settled: nothing to test")
    pred = _predictions(model, rows, median, threads)
    to_due = rows["days_to_due"].cast(pl.Float64).to_numpy()
    result: dict[str, Any] = {
        "n_test": rows.height,
        "model": {"mae_days": _mae(rows["days"], pred["model"]), "auc_late": _auc(rows["late"], pred["p_late"])},
        "baselines": {
            name: {"mae_days": _mae(rows["days"], pred[name]), "auc_late": _auc(rows["late"], pred[name] - to_due)}
            for name in BASELINES
        },
    }
    # Reliability over every invoice whose outcome is known, not only the settled ones: one still
    # unpaid after its due date was late too. At its issue date an invoice is not yet due.
    known = every.filter(settled | (pl.col("due_date") <= end))
    late = known.select(pl.when(settled).then(pl.col("settled_on") > pl.col("due_date")).otherwise(True))
    p_late = model.predict(known, threads=threads)["p_late"].to_numpy()
    result["reliability"] = {"p_late_not_yet_due": reliability(p_late, late.to_series().to_numpy())}
    return result


def _open(
    ledger: Ledger,
    model: Model,
    median: float,
    as_of: dt.date,
    end: dt.date,
    weeks: int | None,
    attributes: Attributes | None,
    threads: int,
) -> dict[str, Any]:
    # The last snapshot still sees its whole 4-week horizon inside the data.
    last = end - dt.timedelta(days=7 * HORIZON_WEEKS)
    if weeks is not None:
        last = min(last, as_of + dt.timedelta(days=7 * (weeks - 1)))
    if last < as_of:
        raise ValueError(
            f"the data end ({end.isoformat()}) is less than {HORIZON_WEEKS} weeks after {as_of.isoformat()}:"
            " no cash forecast to check"
        )
    rows = snapshot_rows(ledger, start=as_of, end=last + dt.timedelta(days=1), attributes=attributes)
    pred = _predictions(model, rows, median, threads)
    # Outcomes after ``end`` were not observed (only matters when ``end`` is given explicitly).
    settled = (rows["settled_on"].is_not_null() & (rows["settled_on"] <= end)).to_numpy()
    scored = rows.filter(pl.Series(settled))
    methods = ("model", *BASELINES)
    cash = {name: _cash(ledger, rows, pred[name]) for name in methods}

    def block(name: str) -> dict[str, Any]:
        score = pred["p_30"] if name == "model" else pred[name]
        return {
            "mae_days": _mae(scored["days"], pred[name][settled]),
            "auc_30": _auc(scored["over_30"], score[settled]),
            "wape_cash": cash[name]["total"],
            "wape_cash_by_week": cash[name]["by_week"],
        }

    return {
        "n_test": scored.height,
        "n_snapshots": rows["at"].n_unique(),
        "n_open_rows": rows.height,
        "model": block("model"),
        "baselines": {name: block(name) for name in BASELINES},
        "reliability": _open_reliability(rows, pred, end),
    }


def _open_reliability(rows: pl.DataFrame, pred: dict[str, np.ndarray], end: dt.date) -> dict[str, Any]:
    """Reliability of ``p_late`` on the items not yet due at their snapshot, and of ``p_30`` on
    every open item, over the rows whose outcome was observed by ``end`` (paid or not: an item
    never paid is late once its due date passed, and unpaid in 30 days once 30 days passed).
    """
    settled = pl.col("settled_on").is_not_null() & (pl.col("settled_on") <= end)
    days = (pl.col("settled_on") - pl.col("at")).dt.total_days()
    outcomes = rows.select(
        not_due=pl.col("due_date") >= pl.col("at"),
        late_known=settled | (pl.col("due_date") <= end),
        late=pl.when(settled).then(pl.col("settled_on") > pl.col("due_date")).otherwise(True),
        over_30_known=settled | ((pl.lit(end, dtype=pl.Date) - pl.col("at")).dt.total_days() >= 30),
        over_30=pl.when(settled).then(days > 30).otherwise(True),
    )
    late_rows = (outcomes["not_due"] & outcomes["late_known"]).to_numpy()
    over_rows = outcomes["over_30_known"].to_numpy()
    return {
        "p_late_not_yet_due": reliability(pred["p_late"][late_rows], outcomes["late"].to_numpy()[late_rows]),
        "p_30": reliability(pred["p_30"][over_rows], outcomes["over_30"].to_numpy()[over_rows]),
    }


def _cash(ledger: Ledger, rows: pl.DataFrame, days: np.ndarray) -> dict[str, Any]:
    """WAPE of the weekly cash forecast for 1–4 weeks after each snapshot (see the module doc).

    Amounts are converted to the home currency at the snapshot's rate when the ledger has rates;
    without them (the demo company has none) currencies are never added: WAPE is computed per
    currency and averaged, weighted by each currency's share of the open rows (``_weighted``).
    """
    week = pl.Series((np.floor(days / 7) + 1).astype(np.int64))
    forecast = rows.select("invoice_id", "at", "currency", "open_amount").with_columns(week=week)
    forecast = forecast.filter(pl.col("week") <= HORIZON_WEEKS)
    paid = (
        rows.select("invoice_id", "at", "currency")
        .join(ledger.allocations.select("invoice_id", "applied_on", "amount"), on="invoice_id")
        .filter(
            (pl.col("applied_on") >= pl.col("at")) & (pl.col("applied_on") < pl.col("at") + pl.duration(days=7 * HORIZON_WEEKS))
        )
        .with_columns(week=(pl.col("applied_on") - pl.col("at")).dt.total_days() // 7 + 1)
    )
    forecast = _home(ledger, forecast, "open_amount")
    paid = _home(ledger, paid, "amount")
    keys = ["at", "week", "currency"]
    cells = (
        forecast.group_by(keys)
        .agg(forecast=pl.col("open_amount").sum())
        .join(paid.group_by(keys).agg(actual=pl.col("amount").sum()), on=keys, how="full", coalesce=True)
        .with_columns(pl.col("forecast", "actual").fill_null(0))
        .with_columns(error=(pl.col("forecast") - pl.col("actual")).abs())
    )
    by_week = [_weighted(cells.filter(pl.col("week") == w), rows) for w in range(1, HORIZON_WEEKS + 1)]
    return {"total": _weighted(cells, rows), "by_week": by_week}


def _home(ledger: Ledger, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    try:
        return to_home(ledger, frame, [column], "at")
    except MissingRate:
        return frame


def _weighted(cells: pl.DataFrame, rows: pl.DataFrame) -> float | None:
    """Σ|F − A| ÷ Σ A per currency, averaged with each currency's share of open rows as weight
    (one currency, or everything converted to home, is just the plain WAPE)."""
    per = cells.group_by("currency").agg(error=pl.col("error").sum(), actual=pl.col("actual").sum()).filter(pl.col("actual") > 0)
    if per.height == 0:
        return None
    if per.height == 1:
        return float(per["error"].cast(pl.Float64)[0]) / float(per["actual"].cast(pl.Float64)[0])
    share = rows.group_by("currency").agg(n=pl.len())
    per = per.join(share, on="currency", how="left").with_columns(pl.col("n").fill_null(0))
    wape = per["error"].cast(pl.Float64) / per["actual"].cast(pl.Float64)
    weights = per["n"].cast(pl.Float64)
    total = float(weights.sum())
    return float((wape * weights).sum()) / total if total else None
