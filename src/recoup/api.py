"""The JSON API: one NinjaAPI, a router per app (docs/api.md). Every endpoint needs a logged-in
session or a personal token (``Authorization: Bearer``); writes need a token's write scope."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from recoup.accounts.api_auth import READ
from recoup.activities.api import router as activities_router
from recoup.calls.api import router as calls_router
from recoup.cashapp.api import router as cashapp_router
from recoup.database.paging import BadCursor
from recoup.disputes.api import router as disputes_router
from recoup.ledger.api import router as ledger_router
from recoup.promises.api import router as promises_router
from recoup.reports.api import router as reports_router
from recoup.worklist.api import router as worklist_router

api = NinjaAPI(title="recoup API", version="1", auth=READ, urls_namespace="api")
api.add_router("/", ledger_router)
api.add_router("/", activities_router)
api.add_router("/", promises_router)
api.add_router("/", calls_router)
api.add_router("/", reports_router)
api.add_router("/", worklist_router)
api.add_router("/", disputes_router)
api.add_router("/", cashapp_router)


@api.exception_handler(BadCursor)
def _bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=422)
