"""Follow-up pages under /followups/: the step editor and credit holds here; the outbox, the
template editor and the letters come from their own url modules (each helper's part)."""

from __future__ import annotations

import importlib

from django.urls import URLPattern, URLResolver, include, path

from recoup.dunning import hold_views, steps_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("strategies/<int:pk>/steps/", steps_views.steps_edit, name="followups-steps"),
    path("customers/<int:customer_id>/lift-hold/", hold_views.lift_hold, name="followups-lift-hold"),
]

# Included when present: the outbox and template editor (outbox_urls, template_urls) and the
# letters (letters_urls).
for module in ("outbox_urls", "template_urls", "letters_urls"):
    try:
        importlib.import_module(f"recoup.dunning.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"recoup.dunning.{module}":
            raise
        continue
    urlpatterns.append(path("", include(f"recoup.dunning.{module}")))
