"""Read-only admin for platform staff. The ledger changes only through ``ledger.services``
(corrections are ``ledger_adjust`` entries, audited); rows are append-only in the database too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from blackcanyon.events.admin import ReadOnlyAdmin
from blackcanyon.ledger.models import Account, JournalEntry, Posting


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    fields = ("account", "line", "amount", "currency")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "currency", "kind", "organizer")
    list_filter = ("kind", "currency")
    search_fields = ("code",)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "organizer", "amount", "currency", "stripe_ref")
    list_filter = ("kind", "currency")
    search_fields = ("idempotency_key", "stripe_ref")
    inlines = (PostingInline,)
