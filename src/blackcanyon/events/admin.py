"""Read-only admin for platform staff. Events change only through the organizer pages, whose
services validate and write audit entries; the admin must not become a side door."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from blackcanyon.events.models import Event, TicketType


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    fields = ("name", "price", "currency", "capacity", "taken", "hidden", "sales_start")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "organizer", "status", "starts_at", "timezone")
    list_filter = ("status",)
    search_fields = ("title", "slug", "organizer__name", "organizer__slug")
    list_select_related = ("organizer",)
    date_hierarchy = "starts_at"
    inlines = (TicketTypeInline,)


@admin.register(TicketType)
class TicketTypeAdmin(ReadOnlyAdmin):
    list_display = ("name", "event", "price", "currency", "taken", "capacity", "hidden")
    search_fields = ("name", "event__title")
    list_select_related = ("event",)
