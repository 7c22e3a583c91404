"""Read-only admin for platform staff: event keys (public half only) and revoked secrets. Keys
and revocations change only through the services; the encrypted private key is never shown."""

from __future__ import annotations

from django.contrib import admin

from blackcanyon.events.admin import ReadOnlyAdmin
from blackcanyon.tickets.models import EventKey, RevokedSecret


@admin.register(EventKey)
class EventKeyAdmin(ReadOnlyAdmin):
    list_display = ("event", "organizer", "public_key", "created_at")
    search_fields = ("event__title", "organizer__slug")
    list_select_related = ("event", "organizer")
    fields = ("event", "organizer", "public_key", "created_at")
    readonly_fields = fields


@admin.register(RevokedSecret)
class RevokedSecretAdmin(ReadOnlyAdmin):
    list_display = ("secret", "ticket_id", "event", "reason", "revoked_at")
    list_filter = ("reason",)
    search_fields = ("secret", "event__title")
    list_select_related = ("event",)
    date_hierarchy = "revoked_at"
