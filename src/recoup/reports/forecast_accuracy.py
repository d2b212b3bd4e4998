"""How the cash forecast did: the kept weekly forecasts against the cash that came (the forecast
page), and the backtest against the due-date baseline (`recoup report forecast-backtest`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from recoup.analytics.forecast_accuracy import HORIZONS, actual_by_week, bias, due_date_baseline, wape
from recoup.analytics.frames import Ledger
from recoup.ledger.frames import load_ledger
from recoup.prediction.backtest import data_end
from recoup.reports.forecasting import forecast_as_of
from recoup.reports.models import ForecastWeek

__all__ = ["BACKTEST_HORIZONS", "Accuracy", "backtest", "default_backtest_dates", "kept_accuracy"]

BACKTEST_HORIZONS = (1, 2, 4, 8, 13)
DEFAULT_BACKTEST_DATES = 10


@dataclass(frozen=True)
class Accuracy:
    """Per horizon (weeks ahead): how many kept forecasts have an outcome, WAPE and bias; and
    per kept forecast and week, forecast against actual (home minor units)."""

    currency: str
    by_horizon: list[dict[str, Any]]
    rows: list[dict[str, Any]]


def _score(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    f = [p[0] for p in pairs]
    a = [p[1] for p in pairs]
    return {"n": len(pairs), "wape": wape(f, a), "bias": bias(f, a), "forecast": sum(f), "actual": sum(a)}


def kept_accuracy(today: dt.date, *, ledger: Ledger | None = None, limit: int = 26) -> Accuracy:
    """The kept forecasts of the last ``limit`` as-of dates against what came in each week that
    has ended by ``today`` (a week still running has no outcome yet)."""
    dates = list(ForecastWeek.objects.order_by("-as_of").values_list("as_of", flat=True).distinct()[:limit])
    kept = ForecastWeek.objects.filter(as_of__in=dates).order_by("as_of", "week")
    if not dates:
        return Accuracy(ledger.home_currency if ledger else "", [], [])
    ledger = ledger or load_ledger(as_of=today)
    rows: list[dict[str, Any]] = []
    actual: dict[dt.date, list[int]] = {}
    for week in kept:
        end = week.start + dt.timedelta(days=6)
        if end >= today:
            continue
        if week.as_of not in actual:
            actual[week.as_of] = actual_by_week(ledger, week.as_of, 13)
        came = actual[week.as_of][week.week - 1] if week.week <= 13 else 0
        rows.append({"as_of": week.as_of, "week": week.week, "start": week.start, "expected": week.expected, "actual": came})
    by_horizon = []
    for h in HORIZONS:
        pairs = [(r["expected"], r["actual"]) for r in rows if r["week"] == h]
        by_horizon.append({"horizon": h, **_score(pairs)})
    return Accuracy(ledger.home_currency, by_horizon, rows)


def default_backtest_dates(ledger: Ledger, count: int = DEFAULT_BACKTEST_DATES, weeks: int = 13) -> list[dt.date]:
    """``count`` weekly as-of dates, the last one 13 weeks before the data ends (so every
    horizon has its outcome)."""
    last = data_end(ledger) - dt.timedelta(days=7 * weeks)
    return [last - dt.timedelta(days=7 * k) for k in reversed(range(count))]


def backtest(dates: list[dt.date], *, weeks: int = 13, ledger: Ledger | None = None) -> dict[str, Any]:
    """The forecast as it would have been made at each date (customer histories, promises and
    plans as known then; no model predictions, which exist only from their scoring day) and the
    due-date baseline, against the cash applied to the items open then, per horizon."""
    if len(dates) < 1:
        raise ValueError("give at least one as-of date")
    ledger = ledger or load_ledger()
    end = data_end(ledger)
    late = [d for d in dates if d + dt.timedelta(days=7 * weeks) > end]
    if late:
        raise ValueError(f"{late[0].isoformat()} is less than {weeks} weeks before the data ends ({end.isoformat()})")
    horizons = [h for h in BACKTEST_HORIZONS if h <= weeks]
    cells: dict[int, dict[str, list[tuple[int, int]]]] = {h: {"forecast": [], "baseline": []} for h in horizons}
    per_date = []
    for as_of in sorted(dates):
        made = forecast_as_of(as_of, weeks=weeks, ledger=ledger, use_predictions=False)
        base = due_date_baseline(ledger, as_of, weeks)
        came = actual_by_week(ledger, as_of, weeks)
        for h in horizons:
            cells[h]["forecast"].append((made.weeks[h - 1].expected, came[h - 1]))
            cells[h]["baseline"].append((base[h - 1], came[h - 1]))
        per_date.append(
            {"as_of": as_of.isoformat(), "forecast": [w.expected for w in made.weeks], "baseline": base, "actual": came}
        )
    scores = {str(h): {name: _rounded(_score(cells[h][name])) for name in ("forecast", "baseline")} for h in horizons}
    result: dict[str, Any] = {
        "as_of_dates": [d.isoformat() for d in sorted(dates)],
        "weeks": weeks,
        "currency": ledger.home_currency,
        "data_end": end.isoformat(),
        "horizons": scores,
        "per_date": per_date,
    }
    result["forecast_better_everywhere"] = all(
        v["forecast"]["wape"] is not None and v["forecast"]["wape"] < (v["baseline"]["wape"] or float("inf"))
        for v in scores.values()
    )
    return result


def _rounded(score: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in score.items()}
