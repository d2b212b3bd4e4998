"""Receivables analytics as pure columnar functions over Polars frames (see docs/analytics.md).

No Django and nothing of recoup's except ``recoup.kernel``: callers load a :class:`Ledger` from
the database (Arrow-native reads) and pass ``as_of`` explicitly; nothing here reads the clock.
"""

from recoup.analytics.aging import DEFAULT_BUCKETS, aging, bucket_names, open_items
from recoup.analytics.behaviour import FEATURES, behaviour_features
from recoup.analytics.frames import Ledger, MissingRate, convert_minor, to_home
from recoup.analytics.kpis import (
    add,
    best_possible_dso,
    cei,
    cei_percent,
    countback_days,
    dso_countback,
    dso_days,
    dso_standard,
    kpi_trend,
)

__all__ = [
    "DEFAULT_BUCKETS",
    "FEATURES",
    "Ledger",
    "MissingRate",
    "add",
    "aging",
    "behaviour_features",
    "best_possible_dso",
    "bucket_names",
    "cei",
    "cei_percent",
    "convert_minor",
    "countback_days",
    "dso_countback",
    "dso_days",
    "dso_standard",
    "kpi_trend",
    "open_items",
    "to_home",
]
