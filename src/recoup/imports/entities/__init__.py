"""One handler per importable entity: prepare (parse and check), plan (diff with the ledger), write."""

from __future__ import annotations

from recoup.imports.entities.base import Handler, Job, Plan, Prepared
from recoup.imports.entities.contacts import ContactsHandler
from recoup.imports.entities.customers import CustomersHandler
from recoup.imports.entities.invoices import InvoicesHandler
from recoup.imports.entities.payments import PaymentsHandler

HANDLERS: dict[str, Handler] = {
    "customers": CustomersHandler(),
    "contacts": ContactsHandler(),
    "invoices": InvoicesHandler(),
    "payments": PaymentsHandler(),
}

__all__ = ["HANDLERS", "Handler", "Job", "Plan", "Prepared"]
