"""JSON API for dispute cases (django-ninja; OpenAPI at /api/docs): read what a user may see."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.api_auth import responses
from recoup.database.paging import Day, Id, Page, PageQuery, narrowed, one_of, page, page_of
from recoup.disputes import rules, selectors
from recoup.disputes.models import Dispute
from recoup.ledger.clock import business_date
from recoup.ledger.selectors import NotYours

router = Router(tags=["disputes"])


class ItemOut(Schema):
    invoice_ref: str
    amount: int
    open_amount: int
    credited: int
    written_off: int
    replaced_by: str | None


class CaseOut(Schema):
    id: int
    customer_ref: str
    customer: str
    reason: str
    status: str
    resolution: str
    amount: int
    currency: str
    owner: str | None
    escalated_to: str | None
    opened_on: dt.date
    sla_due: dt.date | None
    sla_state: str
    resolved_on: dt.date | None


class CaseDetailOut(CaseOut):
    items: list[ItemOut]
    next_action: str
    history: list[dict[str, str]]


def _out(case: Dispute, as_of: dt.date) -> dict[str, object]:
    return {
        "id": case.pk,
        "customer_ref": case.customer.customer_ref,
        "customer": case.customer.name,
        "reason": case.reason,
        "status": case.status,
        "resolution": case.resolution,
        "amount": case.amount,
        "currency": case.currency,
        "owner": case.owner.email if case.owner else None,
        "escalated_to": case.escalated_to.email if case.escalated_to else None,
        "opened_on": case.opened_on,
        "sla_due": case.sla_due,
        "sla_state": rules.sla_state(
            status=case.status, sla_due=case.sla_due, as_of=as_of, due_soon_days=selectors.due_soon_days()
        ),
        "resolved_on": case.resolved_on,
    }


@router.get("/disputes", response=responses(list[CaseOut], 400), summary="Dispute cases the user may see (at most 500)")
def case_list(request: HttpRequest, scope: str = "team", status: str = "open", reason: str = "") -> list[dict[str, object]]:
    """``scope``: mine, team, due_soon, breached; ``status``: open, closed, all. At most 500, SLA due first."""
    as_of = business_date(timezone.now())
    if scope not in selectors.SCOPES or status not in selectors.STATUS_FILTERS:
        raise HttpError(
            400, f"scope is one of {', '.join(selectors.SCOPES)}; status one of {', '.join(selectors.STATUS_FILTERS)}"
        )
    filters = selectors.CaseFilters(scope=scope, status=status, reason=reason if reason in Dispute.Reason.values else "")
    return [_out(case, as_of) for case in selectors.case_list(request.user, filters, as_of=as_of)[:500]]


@router.get(
    "/disputes/{case_id}", response=responses(CaseDetailOut, 404), summary="One case: items, amounts, next action, history"
)
def case_detail(request: HttpRequest, case_id: Id) -> dict[str, object]:
    as_of = business_date(timezone.now())
    try:
        case = selectors.case_for(request.user, case_id)
    except Dispute.DoesNotExist:
        raise HttpError(404, "No such dispute") from None
    except NotYours as exc:
        raise HttpError(403, str(exc)) from None
    page = selectors.case_page(case, user=request.user, as_of=as_of)
    return {
        **_out(case, as_of),
        "items": [
            {
                "invoice_ref": i.invoice.invoice_ref,
                "amount": i.invoice.amount,
                "open_amount": i.invoice.open_amount,
                "credited": i.credited,
                "written_off": i.written_off,
                "replaced_by": i.replacement.invoice_ref if i.replacement else None,
            }
            for i in page["items"]
        ],
        "next_action": page["next_action"],
        "history": [{"at": line.at.isoformat(), "who": line.who, "text": line.text} for line in page["history"]],
    }


@router.get("/dispute-cases", response=responses(Page[CaseOut]), summary="Every dispute case the user may see, a page at a time")
def case_pages(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: Annotated[str, one_of(Dispute.Status)] | None = None,
    reason: Annotated[str, one_of(Dispute.Reason)] | None = None,
    opened_from: Day | None = None,
    opened_to: Day | None = None,
) -> dict[str, object]:
    """In id order with a cursor; ``updated_since`` keeps cases opened or resolved since then."""
    as_of = business_date(timezone.now())
    rows = selectors.visible_disputes(request.user).select_related("customer", "owner", "escalated_to")
    rows = narrowed(
        rows,
        customer_id=paging.customer,
        status=status,
        reason=reason,
        opened_on__gte=opened_from,
        opened_on__lte=opened_to,
    )
    if paging.updated_since is not None:
        since = business_date(paging.updated_since)
        rows = rows.filter(Q(opened_on__gte=since) | Q(resolved_on__gte=since))
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page([_out(case, as_of) for case in found], after)
