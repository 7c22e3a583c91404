"""Every permission check for organizer-owned things lives here.

``organizer_access(user, organizer, permission)`` answers "may this user do this here?" and is the
only place roles are mapped to permissions. ``organizer_view(permission)`` wraps organizer pages:
it resolves ``<organizer_slug>``, answers 404 to non-members (no existence leak), 403 to members
whose role lacks the permission, and activates the organizer's tenant context (RLS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from blackcanyon.core import tenancy
from blackcanyon.core.errors import NotFound, PermissionDenied
from blackcanyon.organizers.models import Membership, Organizer, Role
from blackcanyon.organizers.selectors import organizer_get_by_slug

ALL_ROLES = frozenset(Role)
PERMISSIONS: dict[str, frozenset[str]] = {
    # See the organizer's dashboard at all.
    "organizer.view": ALL_ROLES,
    # Change the organizer's settings (name, contact, currency, timezone).
    "organizer.manage": frozenset({Role.OWNER, Role.ADMIN}),
    # See the team and invite or remove members (admins cannot touch owners).
    "team.view": frozenset({Role.OWNER, Role.ADMIN}),
    "team.manage": frozenset({Role.OWNER, Role.ADMIN}),
    # Grant or take the owner role.
    "team.manage_owners": frozenset({Role.OWNER}),
    # Events and ticket types.
    "events.view": frozenset({Role.OWNER, Role.ADMIN, Role.STAFF}),
    "events.manage": frozenset({Role.OWNER, Role.ADMIN, Role.STAFF}),
    "events.publish": frozenset({Role.OWNER, Role.ADMIN}),
    # Orders: see them; cancel, mark paid (offline payment), resend the confirmation.
    "orders.view": frozenset({Role.OWNER, Role.ADMIN, Role.STAFF}),
    "orders.manage": frozenset({Role.OWNER, Role.ADMIN, Role.STAFF}),
    # Discount and access codes of events.
    "codes.manage": frozenset({Role.OWNER, Role.ADMIN}),
    # Door staff (issue: check-in).
    "checkin.scan": frozenset({Role.OWNER, Role.ADMIN, Role.SCANNER}),
    # See check-in figures and the scan log (the event page's live counts).
    "checkin.view": ALL_ROLES,
    # Create and revoke the organizer's API tokens (a token can sell tickets and read orders).
    "api.manage": frozenset({Role.OWNER, Role.ADMIN}),
}


# What each role may do, in words, for the team page and the invitation.
ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.OWNER: "Everything, including managing owners and the organizer's settings.",
    Role.ADMIN: "Settings, team (except owners), events, orders, discount codes and check-in.",
    Role.STAFF: "Create and edit events and ticket types; see and manage orders.",
    Role.SCANNER: "Scan tickets at the door.",
}


class NotAMember(NotFound):
    code = "organizer_not_found"
    default_message = "Organizer not found."


class RoleLacksPermission(PermissionDenied):
    code = "organizer_permission_denied"
    default_message = "Your role in this organizer does not allow that."


def role_has(role: str, permission: str) -> bool:
    try:
        return role in PERMISSIONS[permission]
    except KeyError:
        raise ValueError(f"Unknown permission {permission!r}") from None


def membership_for(user: Any, organizer: Organizer) -> Membership | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    with tenancy.scoped(organizer_id=organizer.pk, user_id=user.pk):
        return Membership.objects.filter(organizer=organizer, user=user).first()


def organizer_access(user: Any, organizer: Organizer, permission: str) -> Membership:
    """Return the user's membership if its role grants ``permission``; raise otherwise.

    Raises ``NotAMember`` (404) for non-members and ``RoleLacksPermission`` (403) for members
    whose role does not grant the permission.
    """
    membership = membership_for(user, organizer)
    if membership is None:
        raise NotAMember()
    if not role_has(membership.role, permission):
        raise RoleLacksPermission()
    return membership


ViewFunc = Callable[Concatenate[HttpRequest, ...], HttpResponse]


def organizer_view(permission: str) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate an organizer page taking ``organizer_slug``; sets ``request.organizer`` and
    ``request.membership`` and the tenant context for the rest of the request."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organizer = organizer_get_by_slug(slug=kwargs.pop("organizer_slug"))
            if organizer is None:
                raise NotAMember()
            membership = organizer_access(request.user, organizer, permission)
            request.organizer = organizer  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            tenancy.activate(organizer_id=organizer.pk, user_id=request.user.pk)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
