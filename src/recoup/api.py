"""The JSON API: one NinjaAPI, a router per app. Every endpoint needs a logged-in session."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from recoup.cashapp.api import router as cashapp_router
from recoup.disputes.api import router as disputes_router
from recoup.worklist.api import router as worklist_router

api = NinjaAPI(title="recoup API", version="1", auth=django_auth, urls_namespace="api")
api.add_router("/", worklist_router)
api.add_router("/", disputes_router)
api.add_router("/", cashapp_router)
