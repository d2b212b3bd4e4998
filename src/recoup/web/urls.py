from django.contrib.auth.views import LogoutView
from django.urls import path

from recoup.web import token_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.RecoupLoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only, so a link or prefetch cannot log anyone out.
    path("logout/", LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers and tools ask for /favicon.ico on their own, pages or not (the admin, a JSON file).
    path("favicon.ico", views.favicon, name="favicon"),
    path("account/api-tokens/", token_views.api_tokens, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api-token-revoke"),
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/bank-accounts/", views.bank_account_add, name="customer-bank-account-add"),
    path(
        "customers/<int:pk>/bank-accounts/<int:account_id>/remove/",
        views.bank_account_remove,
        name="customer-bank-account-remove",
    ),
]
