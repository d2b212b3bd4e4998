"""Django admin for cash application: read-only, since every decision goes through the services
(audit events, the ledger's invariants)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recoup.cashapp.models import BankStatement, PayerAlias, StatementLine


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnly):
    list_display = ("imported_at", "format", "account", "from_date", "to_date", "line_count", "file_name")
    list_filter = ("format",)


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnly):
    list_display = ("booked_on", "direction", "amount", "currency", "payer_name", "status", "customer", "confidence")
    list_filter = ("status", "direction", "currency")
    search_fields = ("payer_name", "payer_account", "remittance", "bank_ref", "end_to_end_id")


@admin.register(PayerAlias)
class PayerAliasAdmin(admin.ModelAdmin):
    list_display = ("name_key", "customer", "created_at", "created_by")
    search_fields = ("name_key", "customer__name", "customer__customer_ref")
    raw_id_fields = ("customer",)
