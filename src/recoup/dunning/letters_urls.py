"""Letters, statements and discounts (dunning/letters_views.py), included by dunning/urls.py."""

from __future__ import annotations

from django.urls import path

from recoup.dunning import letters_views as views

urlpatterns = [
    path("customers/<int:pk>/statement.pdf", views.statement_download, name="followups-statement-pdf"),
    path("customers/<int:pk>/discount/", views.discount_offer, name="followups-discount-offer"),
    path("letters/<int:pk>.pdf", views.letter_download, name="followups-letter-pdf"),
    path("letters/", views.letters_of_day, name="followups-letters"),
    path("letters/batch.pdf", views.letters_batch, name="followups-letters-batch"),
    path("discounts/", views.discounts_pending, name="followups-discounts"),
    path("discounts/<int:pk>/decide/", views.discount_decide, name="followups-discount-decide"),
]
