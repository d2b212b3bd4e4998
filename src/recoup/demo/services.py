"""Loading the demo company: the generator's frames go through the ordinary importer."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from recoup.accounts.services import ensure_demo_users
from recoup.demo.generator import generate_company

DEMO_PASSWORD = "recoup-demo-2026"  # printed by `make run`; for the demo company only
DEFAULT_CUSTOMERS = 400
DEFAULT_INVOICES = 12_000
DEFAULT_SEED = 42

# Parents before children, customers before the invoices that name them, invoices before the
# payments and credit notes applied to them.
ENTITY_ORDER = ("customers", "contacts", "invoices", "payments")


def load_demo_company(
    *,
    customers: int = DEFAULT_CUSTOMERS,
    invoices: int = DEFAULT_INVOICES,
    seed: int = DEFAULT_SEED,
    as_of: date,
    progress: bool = False,
) -> dict[str, Any]:
    """Create the demo users and import a generated company as of `as_of`.

    Deterministic for (customers, invoices, seed, as_of), and idempotent: loading the same
    company again leaves every row unchanged. Raises `ImportRejected` if the importer refuses
    any row, which would be a bug in the generator or the importer.
    """
    from recoup.imports.services import import_frame

    users = ensure_demo_users(DEMO_PASSWORD)
    started = time.perf_counter()
    company = generate_company(customers=customers, invoices=invoices, seed=seed, as_of=as_of)
    generated = time.perf_counter()
    results: dict[str, dict[str, int | str]] = {}
    for entity in ENTITY_ORDER:
        frame = getattr(company, entity)
        result = import_frame(entity, frame, actor_label="demo", filename="<demo>", progress=progress)
        results[entity] = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "merged": result.merged,
            "invalid": result.invalid,
            "summary": result.counts_text(),
        }
    from django.conf import settings

    from recoup.demo.history import seed_fx_rates, seed_history

    history = seed_history(as_of=as_of, seed=seed)
    history["fx_rates"] = seed_fx_rates(as_of=as_of, home=settings.RECOUP_HOME_CURRENCY)
    finished = time.perf_counter()
    return {
        "as_of": as_of.isoformat(),
        "seed": seed,
        "customers": customers,
        "invoices": invoices,
        "imports": results,
        "history": history,
        "users": [{"email": u.email, "role": u.role} for u in users],
        "password": DEMO_PASSWORD,
        "seconds": {"generate": round(generated - started, 2), "import": round(finished - generated, 2)},
    }
