"""Reads for organizers, teams and invitations.

Organizer rows are public; memberships and invitations are organizer-owned (RLS). These selectors
read in the *current* tenant context: organizer pages have it from ``organizer_view``; the
dashboard of "your organizers" relies on the signed-in user's context (a user may always read
their own memberships); invitations by token are read with the token's hash in the context.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from blackcanyon.core import clock, tenancy
from blackcanyon.organizers.models import Invitation, Membership, Organizer, Role


def token_hash(token: str) -> str:
    """The stored form of an invitation token (only the hash is ever saved)."""
    return hashlib.sha256(token.encode()).hexdigest()


def organizer_get_by_slug(*, slug: str) -> Organizer | None:
    return Organizer.objects.filter(slug=slug).first()


def organizer_slug_exists(*, slug: str) -> bool:
    return Organizer.objects.filter(slug=slug).exists()


def organizer_list_for_user(*, user: Any) -> list[Membership]:
    """The user's memberships with their organizers, by organizer name (RLS: own rows)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("organizer")
        .order_by("organizer__name", "organizer__slug")
    )


def team_list(*, organizer: Organizer) -> list[Membership]:
    """Members of ``organizer``: owners first, then by name/email."""
    order = {Role.OWNER.value: 0, Role.ADMIN.value: 1, Role.STAFF.value: 2, Role.SCANNER.value: 3}
    members = list(
        Membership.objects.filter(organizer=organizer).select_related("user").order_by("pk")
    )
    members.sort(key=lambda m: (order.get(m.role, 9), m.user.get_full_name().casefold()))
    return members


def owner_count(*, organizer: Organizer) -> int:
    return Membership.objects.filter(organizer=organizer, role=Role.OWNER).count()


def membership_get(*, organizer: Organizer, membership_id: int) -> Membership | None:
    return (
        Membership.objects.filter(organizer=organizer, pk=membership_id)
        .select_related("user")
        .first()
    )


def membership_for_email(*, organizer: Organizer, email: str) -> Membership | None:
    return (
        Membership.objects.filter(organizer=organizer, user__email__iexact=email.strip())
        .select_related("user")
        .first()
    )


def invitation_pending_list(*, organizer: Organizer) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones included, to be re-sent)."""
    return Invitation.objects.filter(
        organizer=organizer, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at", "-pk")


def invitation_get(*, organizer: Organizer, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(organizer=organizer, pk=invitation_id).first()


@dataclass(frozen=True, slots=True)
class InvitationStatus:
    invitation: Invitation
    state: str  # "pending" | "expired" | "revoked" | "accepted"

    @property
    def usable(self) -> bool:
        return self.state == "pending"


def invitation_state(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= clock.now():
        return "expired"
    return "pending"


def invitation_pending_statuses(*, organizer: Organizer) -> list[InvitationStatus]:
    """Pending (and expired, not yet replaced) invitations with their state, newest first."""
    return [
        InvitationStatus(invitation=i, state=invitation_state(i))
        for i in invitation_pending_list(organizer=organizer)
    ]


def invitation_by_token(*, token: str, user_id: int | None = None) -> InvitationStatus | None:
    """Find an invitation by its secret token, whoever asks (the invitee is not a member yet).

    Under RLS only the row whose hash matches the context's ``app.invitation`` is visible.
    """
    digest = token_hash(token)
    with tenancy.scoped(user_id=user_id, invitation_token_hash=digest):
        invitation = (
            Invitation.objects.filter(token_hash=digest).select_related("organizer").first()
        )
    if invitation is None:
        return None
    return InvitationStatus(invitation=invitation, state=invitation_state(invitation))
