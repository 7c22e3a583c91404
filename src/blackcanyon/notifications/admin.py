"""Read-only admin of tracked emails for platform staff: statuses change only through the
sending task and the provider's webhooks."""

from __future__ import annotations

from django.contrib import admin

from blackcanyon.events.admin import ReadOnlyAdmin
from blackcanyon.notifications.models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "attempts", "organizer", "order", "updated_at")
    list_filter = ("status", "kind")
    search_fields = ("provider_message_id", "order__code")
    list_select_related = ("organizer", "order")
    readonly_fields = [f.name for f in Message._meta.fields]
