"""Personal data held by the organizers app, and how it is exported and erased.

* ``organizers.Membership`` — links a user to an organizer with a role. Export: organizer, role,
  since. Erase: the membership is deleted (audited as ``organizers.membership.erased``); erasure
  is refused while the user is an organizer's only owner.
* ``organizers.Invitation.email`` — the invited address. Export: organizer, role, status and
  dates. Erase: pseudonymised to ``erased-<id>@invalid`` (audited as
  ``organizers.invitation.pseudonymised``). ``invited_by`` / ``accepted_by`` point
  at the (pseudonymised) user and stay for the audit trail. The token is stored only as a hash.
* ``organizers.Organizer.contact_email`` — the business's public contact address, not the
  person's: exported with the organizer's own data, not with a user's; kept on user erasure.
* Audit entries written here hold ids and roles, never a person's email, name or a token (a
  change of the organizer's contact email is recorded by field name only).

Retention: memberships live as long as the person is on the team; invitations are kept (as a
record of who was invited by whom) until the organizer is deleted.

Invitations to organizers the user never joined are only visible to the system role: call these
functions inside ``tenancy.system_context()`` from the privacy worker. Erase *before* the accounts
app pseudonymises the address (invitations are found by it).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from blackcanyon.accounts.models import User
from blackcanyon.core import tenancy
from blackcanyon.organizers.models import Invitation, Membership
from blackcanyon.organizers.selectors import invitation_state
from blackcanyon.organizers.services import user_team_data_erase

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "organizers.Membership": {
        "user": "which teams a person belongs to, with their role; deleted on erasure",
    },
    "organizers.Invitation": {
        "email": "the invited address; pseudonymised on erasure",
        "invited_by": "who sent the invitation; kept (points at the pseudonymised account)",
        "accepted_by": "who accepted it; kept (points at the pseudonymised account)",
    },
}


# Looks personal, is not: see the module docstring.
NOT_PERSONAL: dict[str, dict[str, str]] = {
    "organizers.Organizer": {
        "contact_email": "the business's public contact address; kept on a user's erasure",
    },
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _invitations_for(user: User) -> list[Invitation]:
    return list(
        Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user))
        .select_related("organizer")
        .order_by("created_at", "pk")
    )


def export_for_user(user: User) -> dict[str, Any]:
    """Everything this app holds about ``user`` as JSON-serialisable data."""
    with tenancy.scoped(user_id=user.pk):
        memberships = list(
            Membership.objects.filter(user=user).select_related("organizer").order_by("pk")
        )
    seen: dict[int, Invitation] = {}
    # Invitations of the user's organizers are visible in each organizer's context; the others
    # in the caller's (system) context.
    for membership in memberships:
        with tenancy.scoped(organizer_id=membership.organizer_id, user_id=user.pk):
            seen.update((i.pk, i) for i in _invitations_for(user))
    seen.update((i.pk, i) for i in _invitations_for(user))
    return {
        "memberships": [
            {
                "organizer": m.organizer.name,
                "organizer_slug": m.organizer.slug,
                "role": m.role,
                "since": _iso(m.created_at),
            }
            for m in memberships
        ],
        "invitations": [
            {
                "organizer": i.organizer.name,
                "email": i.email,
                "role": i.role,
                "status": invitation_state(i),
                "sent_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "accepted_at": _iso(i.accepted_at),
                "revoked_at": _iso(i.revoked_at),
            }
            for i in sorted(seen.values(), key=lambda i: (i.created_at, i.pk))
        ],
    }


def erase_for_user(*, actor: User | None, user: User) -> dict[str, int]:
    """Remove ``user`` from every team and pseudonymise invitations to them (audited)."""
    return user_team_data_erase(actor=actor, user=user)
