"""Read-only admin views of organizers, memberships and invitations.

Changes go through the services (permissions, last-owner rule, audit), so the admin offers no
add/change/delete here. Under PostgreSQL RLS the web role only sees memberships and invitations
of the organizer in context; cross-organizer support work belongs to the support console.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from blackcanyon.organizers.models import Invitation, Membership, Organizer


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organizer)
class OrganizerAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "country", "default_currency", "timezone", "created_at")
    search_fields = ("name", "slug", "contact_email")
    list_filter = ("country", "default_currency")
    ordering = ("name",)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("organizer", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("organizer__name", "organizer__slug", "user__email")
    list_select_related = ("organizer", "user")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("organizer", "email", "role", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("organizer__name", "email")
    list_select_related = ("organizer",)
    exclude = ("token_hash",)
