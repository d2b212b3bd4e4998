"""Django admin for the ledger.

Customers and contacts may be edited here. Invoices, payments and allocations are read-only:
their open and unapplied amounts are derived by the ledger services and every change must
leave an audit event, so changes go through imports and services, never through the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recoup.ledger.models import Allocation, Contact, Customer, Invoice, Payment

READ_ONLY_NOTE = "read-only here: changes go through imports and the ledger services"


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "role", "phone", "email", "is_primary", "do_not_call", "preferred_channel", "preferred_hours")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_ref", "name", "country", "currency", "segment", "collector", "status", "is_consumer")
    list_filter = ("status", "segment", "currency", "is_consumer", "country", "collector")
    search_fields = ("customer_ref", "name", "contacts__email", "contacts__phone")
    list_select_related = ("collector",)
    # 100k customers: a select box for the parent or collector would render them all.
    raw_id_fields = ("parent", "collector")
    # The unfiltered COUNT(*) on a large table is not worth its cost on every page view.
    show_full_result_count = False
    readonly_fields = ("created_at", "updated_at")
    inlines = (ContactInline,)
    fieldsets = (
        (None, {"fields": ("customer_ref", "name", "status", "collector", "parent", "segment", "is_consumer")}),
        ("Location", {"fields": ("country", "region", "timezone")}),
        ("Terms", {"fields": ("currency", "payment_terms_days", "credit_limit")}),
        ("More", {"fields": ("attributes", "created_at", "updated_at"), "classes": ("collapse",)}),
    )


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "role", "phone", "email", "is_primary", "do_not_call")
    list_filter = ("is_primary", "do_not_call", "preferred_channel")
    search_fields = ("name", "email", "phone", "customer__customer_ref", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    show_full_result_count = False
    readonly_fields = ("created_at", "updated_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete, whatever the user's permissions."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {"subtitle": READ_ONLY_NOTE, **(extra_context or {})}
        return super().changelist_view(request, extra_context)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("invoice_ref", "source", "customer", "kind", "issue_date", "due_date", "currency", "amount", "open_amount")
    list_filter = ("kind", "currency", "source")
    # Prefix searches can use the indexes; a contains-search over 2M rows cannot.
    search_fields = ("^invoice_ref", "^customer__customer_ref", "^po_number")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "credited_invoice")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("payment_ref", "source", "customer", "received_on", "method", "currency", "amount", "unapplied_amount")
    list_filter = ("method", "currency", "source")
    search_fields = ("^payment_ref", "^customer__customer_ref", "reference")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "invoice", "payment", "credit_note", "amount", "applied_on")
    search_fields = ("^invoice__invoice_ref", "^payment__payment_ref", "^credit_note__invoice_ref")
    list_select_related = ("invoice", "payment", "credit_note")
    raw_id_fields = ("invoice", "payment", "credit_note")
