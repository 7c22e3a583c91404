"""Read-only admin for platform staff. Lists, devices and scans change only through the services
(which write audit entries and keep each ticket's state consistent); a device token is never
shown (only its public prefix)."""

from __future__ import annotations

from django.contrib import admin

from blackcanyon.checkin.models import CheckInList, Scan, ScannerDevice
from blackcanyon.events.admin import ReadOnlyAdmin


@admin.register(CheckInList)
class CheckInListAdmin(ReadOnlyAdmin):
    list_display = ("name", "event", "organizer", "all_ticket_types", "allow_reentry")
    list_filter = ("allow_reentry", "show_attendee_names")
    search_fields = ("name", "event__title")
    list_select_related = ("event", "organizer")


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "event", "checkin_list", "last_seen_at", "revoked_at")
    search_fields = ("name", "prefix")
    exclude = ("token_hash",)
    list_select_related = ("event", "checkin_list")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = (
        "client_scan_id",
        "status",
        "direction",
        "event",
        "checkin_list",
        "gate",
        "scanned_at",
        "conflict",
        "undone_at",
    )
    list_filter = ("status", "direction", "conflict", "offline")
    search_fields = ("client_scan_id", "secret")
    list_select_related = ("event", "checkin_list")
    date_hierarchy = "received_at"
