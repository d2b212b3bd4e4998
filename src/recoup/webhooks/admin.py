from django.contrib import admin

from recoup.webhooks.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "response_code")
    list_filter = ("status", "event")
    readonly_fields = [f.name for f in Delivery._meta.fields]
