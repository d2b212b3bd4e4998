from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm


class _EmailCredentialsMixin:
    """Authenticate with `email=` instead of `username=`.

    django-axes names the person trying to log in by the credential called
    USERNAME_FIELD ("email"). Django's forms pass `username=`, which axes cannot see, so
    failures were recorded without a username and the username+IP lockout never engaged.
    ModelBackend accepts USERNAME_FIELD as a keyword, so passing `email=` satisfies both.
    The form field stays "username" so the admin's login template keeps working.
    """

    request: Any
    cleaned_data: dict[str, Any]
    user_cache: Any

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()  # type: ignore[attr-defined]
            self.confirm_login_allowed(self.user_cache)  # type: ignore[attr-defined]
        return self.cleaned_data


class EmailAuthenticationForm(_EmailCredentialsMixin, AuthenticationForm):
    """Django's login form, presented as an e-mail field."""

    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AdminEmailAuthenticationForm(_EmailCredentialsMixin, AdminAuthenticationForm):
    """The admin's login form, throttled by django-axes like the main one."""
