"""Writes for organizers, teams and invitations.

Every function is ``entity_verb(*, actor, ...)``, runs in one transaction with its audit entry,
checks permissions through ``organizers.access`` and sets the organizer's tenant context itself
(so it behaves the same from a view, a task or the shell under PostgreSQL row-level security).

Team changes lock the organizer row first: changes to one team are serialised, so two owners
demoting each other at the same moment cannot leave the organizer without an owner.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

from blackcanyon.accounts.models import User, normalize_email
from blackcanyon.core import audit, clock, tenancy
from blackcanyon.core.countries import is_country
from blackcanyon.core.money import SUPPORTED_CURRENCIES
from blackcanyon.core.timezones import is_timezone
from blackcanyon.notifications.services import email_enqueue
from blackcanyon.organizers import errors, selectors
from blackcanyon.organizers.access import organizer_access, role_has
from blackcanyon.organizers.models import Invitation, Membership, Organizer, Role

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")
# Paths under /o/ that are not organizers, plus names that would confuse people.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "invitations",
        "accounts",
        "admin",
        "api",
        "app",
        "help",
        "media",
        "o",
        "settings",
        "static",
        "support",
        "team",
        "www",
    }
)
EDITABLE_FIELDS = ("name", "contact_email", "country", "default_currency", "timezone")
# Changes to these are audited by name only: the address may be a person's own.
_AUDIT_WITHOUT_VALUES = frozenset({"contact_email"})


# --- Validation shared by create and update ---------------------------------------------------


def slug_validate(slug: str) -> str:
    """Return the normalised slug or raise ``SlugInvalid`` / ``SlugReserved``."""
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise errors.SlugInvalid()
    if slug in RESERVED_SLUGS:
        raise errors.SlugReserved()
    return slug


def slug_from_name(name: str) -> str:
    """A free slug made from ``name`` (``canyon-nights``, then ``canyon-nights-2`` ...)."""
    base = re.sub(r"-{2,}", "-", slugify(name))[:60].strip("-")
    if len(base) < 3:
        raise errors.SlugInvalid(
            "We could not make a web address from this name. Please type one (3 to 60 lowercase "
            "letters, digits and hyphens)."
        )
    candidates = [base, *(f"{base[:56].rstrip('-')}-{n}" for n in range(2, 100))]
    for candidate in candidates:
        if candidate not in RESERVED_SLUGS and not selectors.organizer_slug_exists(slug=candidate):
            return candidate
    raise errors.SlugTaken("Please type a web address: every variant of this name is taken.")


def _clean_settings(
    *, name: str, contact_email: str, country: str, default_currency: str, timezone: str
) -> dict[str, str]:
    name = " ".join(name.split())
    if not name:
        raise errors.NameRequired()
    contact_email = contact_email.strip()
    try:
        validate_email(contact_email)
    except ValidationError:
        raise errors.ContactEmailInvalid() from None
    country = country.strip().upper()
    if not is_country(country):
        raise errors.CountryInvalid()
    default_currency = default_currency.strip().upper()
    if default_currency not in SUPPORTED_CURRENCIES:
        raise errors.CurrencyInvalid()
    timezone = timezone.strip()
    if not is_timezone(timezone):
        raise errors.TimezoneInvalid()
    return {
        "name": name,
        "contact_email": contact_email,
        "country": country,
        "default_currency": default_currency,
        "timezone": timezone,
    }


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise errors.RoleInvalid()
    return role


def _lock_team(organizer: Organizer) -> None:
    """Serialise team changes of one organizer (no-op on SQLite, which locks the database)."""
    Organizer.objects.select_for_update().filter(pk=organizer.pk).values_list("pk").first()


# --- Organizers ------------------------------------------------------------------------------


def organizer_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    contact_email: str,
    country: str,
    default_currency: str,
    timezone: str,
) -> Organizer:
    """Create an organizer with ``actor`` as its owner.

    An empty ``slug`` is derived from the name (with a number appended if taken). Raises
    ``VerifiedEmailRequired`` for unverified accounts, ``SlugInvalid``/``SlugReserved``/
    ``SlugTaken`` and the field errors of ``_clean_settings``.
    """
    if not actor.is_authenticated or not actor.is_verified:
        raise errors.VerifiedEmailRequired()
    fields = _clean_settings(
        name=name,
        contact_email=contact_email,
        country=country,
        default_currency=default_currency,
        timezone=timezone,
    )
    slug = slug_validate(slug) if slug.strip() else slug_from_name(fields["name"])
    if selectors.organizer_slug_exists(slug=slug):
        raise errors.SlugTaken()
    with transaction.atomic():
        try:
            with transaction.atomic():
                organizer = Organizer.objects.create(slug=slug, **fields)
        except IntegrityError:
            # Someone took the slug between the check and the insert.
            raise errors.SlugTaken() from None
        # Memberships and organizer audit entries are organizer-owned rows (RLS WITH CHECK).
        with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk):
            Membership.objects.create(organizer=organizer, user=actor, role=Role.OWNER)
            audit.record(
                actor=actor,
                action="organizers.organizer.created",
                organizer=organizer,
                obj=organizer,
                data={"slug": organizer.slug, "name": organizer.name},
            )
    return organizer


def organizer_update(
    *,
    actor: User,
    organizer: Organizer,
    name: str,
    contact_email: str,
    country: str,
    default_currency: str,
    timezone: str,
) -> Organizer:
    """Change an organizer's settings (not its slug, which is part of every public link).

    Needs ``organizer.manage``. Writes one audit entry listing the changed fields; a save with
    no change writes nothing.
    """
    fields = _clean_settings(
        name=name,
        contact_email=contact_email,
        country=country,
        default_currency=default_currency,
        timezone=timezone,
    )
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        organizer_access(actor, organizer, "organizer.manage")
        changed: dict[str, dict[str, str]] = {}
        for field, value in fields.items():
            old = getattr(organizer, field)
            if old != value:
                hidden = field in _AUDIT_WITHOUT_VALUES
                changed[field] = {} if hidden else {"from": old, "to": value}
                setattr(organizer, field, value)
        if not changed:
            return organizer
        organizer.save(update_fields=list(changed))
        audit.record(
            actor=actor,
            action="organizers.organizer.updated",
            organizer=organizer,
            obj=organizer,
            data={"changed": changed},
        )
    return organizer


# --- Team members ------------------------------------------------------------------------------


def _fresh_membership(organizer: Organizer, membership: Membership) -> Membership:
    fresh = selectors.membership_get(organizer=organizer, membership_id=membership.pk)
    if fresh is None:
        raise errors.MemberNotFound()
    return fresh


def member_role_change(
    *, actor: User, organizer: Organizer, membership: Membership, role: str
) -> Membership:
    """Give a member another role.

    Needs ``team.manage``; granting or taking the owner role needs ``team.manage_owners``
    (``OwnerRoleRequired``). Refuses to demote the last owner (``LastOwner``).
    """
    role = _clean_role(role)
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        acting = organizer_access(actor, organizer, "team.manage")
        _lock_team(organizer)
        membership = _fresh_membership(organizer, membership)
        old = membership.role
        if old == role:
            return membership
        if Role.OWNER in (old, role) and not role_has(acting.role, "team.manage_owners"):
            raise errors.OwnerRoleRequired()
        if old == Role.OWNER and selectors.owner_count(organizer=organizer) <= 1:
            raise errors.LastOwner(
                "This is the only owner. Make someone else an owner before changing this role."
            )
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            actor=actor,
            action="organizers.membership.role_changed",
            organizer=organizer,
            obj=membership,
            data={"user_id": membership.user_id, "from": old, "to": role},
        )
    return membership


def member_remove(*, actor: User, organizer: Organizer, membership: Membership) -> None:
    """Remove a member from the team.

    Needs ``team.manage``; removing an owner needs ``team.manage_owners``. Refuses to remove the
    last owner (``LastOwner``).
    """
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        acting = organizer_access(actor, organizer, "team.manage")
        _lock_team(organizer)
        membership = _fresh_membership(organizer, membership)
        if membership.role == Role.OWNER:
            if not role_has(acting.role, "team.manage_owners"):
                raise errors.OwnerRoleRequired()
            if selectors.owner_count(organizer=organizer) <= 1:
                raise errors.LastOwner(
                    "This is the only owner and cannot be removed. Make someone else an owner "
                    "first."
                )
        audit.record(
            actor=actor,
            action="organizers.membership.removed",
            organizer=organizer,
            obj=membership,
            data={"user_id": membership.user_id, "role": membership.role},
        )
        membership.delete()


# --- Invitations -------------------------------------------------------------------------------


def _invitation_email_context(
    *, invitation: Invitation, token: str, inviter: User
) -> dict[str, Any]:
    organizer = invitation.organizer
    local = invitation.expires_at.astimezone(ZoneInfo(organizer.timezone))
    return {
        "organizer_name": organizer.name,
        "role": Role(invitation.role).label,
        "inviter_name": inviter.get_full_name(),
        "accept_url": settings.PUBLIC_APP_URL
        + reverse("organizers:invitation_accept", args=[token]),
        "expires_display": f"{local:%-d %B %Y, %H:%M} ({organizer.timezone})",
    }


def invitation_create(*, actor: User, organizer: Organizer, email: str, role: str) -> Invitation:
    """Invite ``email`` to the team with ``role`` and email them a link.

    Only the token's SHA-256 is stored; the link goes out once, by email. A pending invitation
    for the same address is replaced (revoked). Needs ``team.manage``; inviting an owner (or
    replacing an owner invitation) needs ``team.manage_owners``. Raises ``AlreadyMember`` when the
    address belongs to a member.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise errors.InviteEmailInvalid() from None
    role = _clean_role(role)
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        acting = organizer_access(actor, organizer, "team.manage")
        may_manage_owners = role_has(acting.role, "team.manage_owners")
        if role == Role.OWNER and not may_manage_owners:
            raise errors.OwnerRoleRequired("Only owners can invite another owner.")
        _lock_team(organizer)
        if selectors.membership_for_email(organizer=organizer, email=email) is not None:
            raise errors.AlreadyMember(f"{email} is already a member of this team.")
        now = clock.now()
        pending = selectors.invitation_pending_list(organizer=organizer).filter(email__iexact=email)
        if not may_manage_owners and pending.filter(role=Role.OWNER).exists():
            raise errors.OwnerRoleRequired(
                "This address has a pending owner invitation; only an owner can replace it."
            )
        replaced = pending.update(revoked_at=now, updated_at=now)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            organizer=organizer,
            email=email,
            role=role,
            token_hash=selectors.token_hash(token),
            invited_by=actor,
            expires_at=now + settings.BCT_INVITATION_TTL,
        )
        audit.record(
            actor=actor,
            action="organizers.invitation.created",
            organizer=organizer,
            obj=invitation,
            data={"role": role, "replaced": replaced},
        )
        email_enqueue(
            to=email,
            template="invitation",
            context=_invitation_email_context(invitation=invitation, token=token, inviter=actor),
        )
    return invitation


def invitation_revoke(*, actor: User, organizer: Organizer, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation so its link stops working (idempotent).

    Needs ``team.manage`` (``team.manage_owners`` for an owner invitation). Raises
    ``InvitationAlreadyAccepted`` when it is too late.
    """
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        acting = organizer_access(actor, organizer, "team.manage")
        fresh = selectors.invitation_get(organizer=organizer, invitation_id=invitation.pk)
        if fresh is None:
            raise errors.InvitationNotFound("That invitation was not found.")
        if fresh.role == Role.OWNER and not role_has(acting.role, "team.manage_owners"):
            raise errors.OwnerRoleRequired("Only owners can withdraw an owner invitation.")
        if fresh.accepted_at is not None:
            raise errors.InvitationAlreadyAccepted(
                "This invitation has already been accepted; remove the member instead."
            )
        if fresh.revoked_at is not None:
            return fresh
        fresh.revoked_at = clock.now()
        fresh.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="organizers.invitation.revoked",
            organizer=organizer,
            obj=fresh,
            data={"role": fresh.role},
        )
    return fresh


_STATE_ERRORS: dict[str, type[errors.InvitationGone]] = {
    "expired": errors.InvitationExpired,
    "revoked": errors.InvitationRevoked,
    "accepted": errors.InvitationAlreadyAccepted,
}


def invitation_state_error(state: str) -> errors.InvitationGone:
    """The error explaining why an invitation in ``state`` cannot be accepted."""
    return _STATE_ERRORS.get(state, errors.InvitationGone)()


def invitation_ttl_days() -> int:
    return int(settings.BCT_INVITATION_TTL.total_seconds() // 86400)


def invitation_accept(*, actor: User, token: str) -> Membership:
    """Join the invitation's team as the signed-in ``actor``.

    The invitation must be pending and addressed to the actor's email (case-insensitive): having
    the emailed link *and* an account with that address proves the invitee owns it. Raises
    ``InvitationNotFound``, ``InvitationExpired``, ``InvitationRevoked``,
    ``InvitationAlreadyAccepted``, ``InvitationEmailMismatch`` or ``AlreadyMember``.
    """
    found = selectors.invitation_by_token(token=token, user_id=actor.pk)
    if found is None:
        raise errors.InvitationNotFound()
    if not found.usable:
        raise invitation_state_error(found.state)
    invitation = found.invitation
    if invitation.email.casefold() != actor.email.casefold():
        raise errors.InvitationEmailMismatch()
    organizer = invitation.organizer
    with tenancy.scoped(organizer_id=organizer.pk, user_id=actor.pk), transaction.atomic():
        _lock_team(organizer)
        if Membership.objects.filter(organizer=organizer, user=actor).exists():
            raise errors.AlreadyMember(f"You are already a member of {organizer.name}.")
        now = clock.now()
        # Conditional update: a concurrent accept or revoke wins exactly once.
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=actor, updated_at=now)
        if not claimed:
            invitation.refresh_from_db()
            state = selectors.invitation_state(invitation)
            raise invitation_state_error(state)
        membership = Membership.objects.create(
            organizer=organizer, user=actor, role=invitation.role
        )
        audit.record(
            actor=actor,
            action="organizers.invitation.accepted",
            organizer=organizer,
            obj=invitation,
            data={"role": invitation.role, "membership_id": membership.pk},
        )
    return membership


# --- Personal data -------------------------------------------------------------------------------


def _pseudonymise_invitations(*, actor: User | None, user: User, email: str) -> int:
    """Replace the address on invitations to ``email`` (or accepted by ``user``) visible in the
    current context, each with its audit entry; returns how many rows changed."""
    changed = 0
    rows = Invitation.objects.filter(Q(email__iexact=email) | Q(accepted_by=user))
    for invitation in rows.exclude(email__startswith="erased-").select_related("organizer"):
        invitation.email = f"erased-{invitation.pk}@invalid"
        invitation.save(update_fields=["email"])
        audit.record(
            actor=actor,
            action="organizers.invitation.pseudonymised",
            organizer=invitation.organizer,
            obj=invitation,
        )
        changed += 1
    return changed


def user_team_data_erase(*, actor: User | None, user: User) -> dict[str, int]:
    """Take ``user`` off every team and pseudonymise invitations addressed to them.

    Run before the account itself is pseudonymised (the invitations are found by address).
    Refuses with ``LastOwner`` while the user is the only owner of an organizer: someone must
    take over first, or platform staff close the organizer. Invitations of organizers the user
    never joined are only visible in ``tenancy.system_context()`` (the privacy worker's role).
    """
    email = user.email
    with tenancy.scoped(user_id=user.pk):
        memberships = list(Membership.objects.filter(user=user).select_related("organizer"))
    removed = invitations = 0
    with transaction.atomic():
        for membership in memberships:
            organizer = membership.organizer
            with tenancy.scoped(organizer_id=organizer.pk, user_id=user.pk):
                _lock_team(organizer)
                if (
                    membership.role == Role.OWNER
                    and selectors.owner_count(organizer=organizer) <= 1
                ):
                    raise errors.LastOwner(
                        f"This person is the only owner of {organizer.name}. Make someone else an "
                        "owner before erasing their data."
                    )
                audit.record(
                    actor=actor,
                    action="organizers.membership.erased",
                    organizer=organizer,
                    obj=membership,
                    data={"role": membership.role},
                )
                membership.delete()
                removed += 1
                invitations += _pseudonymise_invitations(actor=actor, user=user, email=email)
        invitations += _pseudonymise_invitations(actor=actor, user=user, email=email)
    return {"memberships_removed": removed, "invitations_pseudonymised": invitations}
