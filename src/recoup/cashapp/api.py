"""JSON API for cash application (django-ninja; OpenAPI at /api/docs): the queue, and marking a
line as not a customer payment. Applying stays on the pages, where the suggestions are shown."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from recoup.accounts.api_auth import WRITE, responses
from recoup.accounts.permissions import require_cash_application
from recoup.cashapp import decisions, selectors
from recoup.cashapp.formats import major
from recoup.cashapp.models import StatementLine
from recoup.database.paging import Id, Text

router = Router(tags=["cash application"])


class SuggestionOut(Schema):
    customer_id: int
    allocations: list[list[int]]
    unapplied: int
    confidence: float
    reason: str


class LineOut(Schema):
    id: int
    booked_on: str
    amount: str
    currency: str
    payer_name: str
    payer_account: str
    remittance: str
    status: str
    reason: str
    suggestions: list[SuggestionOut]


def _allowed(request: HttpRequest, action: str) -> None:
    try:
        require_cash_application(request.user, action)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.get("/cash/queue", response=responses(list[LineOut]))
def queue(request: HttpRequest, status: str = "") -> list[LineOut]:
    """Payments received and not yet applied, oldest first, with their suggestions."""
    _allowed(request, "see the cash-application queue")
    return [
        LineOut(
            id=line.pk,
            booked_on=line.booked_on.isoformat(),
            amount=major(line.amount, line.currency),
            currency=line.currency,
            payer_name=line.payer_name,
            payer_account=line.payer_account,
            remittance=line.remittance,
            status=line.status,
            reason=line.reason,
            suggestions=[
                SuggestionOut(**{k: s[k] for k in ("customer_id", "allocations", "unapplied", "confidence", "reason")})
                for s in line.suggestions
            ],
        )
        for line in selectors.queue(status=status)
    ]


@router.post("/cash/lines/{line_id}/ignore", response=responses(dict[str, str], 400, 404, 409), auth=WRITE)
def ignore(request: HttpRequest, line_id: Id, reason: Text = "") -> dict[str, str]:
    """Not a customer payment (a refund, a transfer between own accounts): never applied."""
    _allowed(request, "mark payments")
    try:
        line = decisions.ignore(
            line=get_object_or_404(StatementLine, pk=line_id), actor=request.user, now=timezone.now(), reason=reason[:200]
        )
    except decisions.DecisionError as exc:
        raise HttpError(409, str(exc)) from None
    return {"status": line.status, "reason": line.reason}
