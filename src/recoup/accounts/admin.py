"""Users in the Django admin, adapted to e-mail sign-in and recoup's roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from recoup.accounts.models import User


class RecoupUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        # The username mirrors the e-mail (see RecoupUserManager); it must stay unique too,
        # and a clash found here is a form error instead of an IntegrityError on save.
        if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this e-mail address already exists.")
        return email

    def save(self, commit: bool = True) -> Any:
        self.instance.username = self.cleaned_data["email"]
        return super().save(commit=commit)


class RecoupUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = RecoupUserChangeForm
    add_form = RecoupUserCreationForm
    list_display = ("email", "first_name", "last_name", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "timezone")}),
        ("Work", {"fields": ("role", "daily_capacity")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"), "classes": ("collapse",)},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        # Keep the username mirroring the e-mail, as at creation, so neither goes stale.
        if change and "email" in form.changed_data:
            obj.username = obj.email
        super().save_model(request, obj, form, change)
