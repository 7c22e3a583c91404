"""Two organizers with one of everything each, for the tenant isolation tests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import transaction

from blackcanyon.accounts.models import User
from blackcanyon.core import audit, clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Invitation, Membership, Organizer, Role
from tests.factories import (
    EventFactory,
    MembershipFactory,
    OrganizerFactory,
    TicketTypeFactory,
    UserFactory,
)


@dataclass
class Tenant:
    organizer: Organizer
    owner: User
    membership: Membership
    published_event: Event
    cancelled_event: Event
    draft_event: Event
    published_ticket: TicketType
    draft_ticket: TicketType
    invitation: Invitation
    invitation_token_hash: str
    audit_entry: AuditLog
    # Organizer-less entry of the owner (e.g. "signed in"): readable by that user only.
    personal_audit_entry: AuditLog
    ids_by_table: dict[str, set[int]] = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.organizer.pk

    def ids(self, table: str) -> set[int]:
        return self.ids_by_table[table]


def make_tenant(name: str) -> Tenant:
    organizer = OrganizerFactory(name=name, slug=name.lower())
    owner = UserFactory(email=f"owner@{name.lower()}.example")
    membership = MembershipFactory(organizer=organizer, user=owner, role=Role.OWNER)
    published = EventFactory(organizer=organizer, status=EventStatus.PUBLISHED)
    cancelled = EventFactory(organizer=organizer, status=EventStatus.CANCELLED)
    draft = EventFactory(organizer=organizer, status=EventStatus.DRAFT)
    published_ticket = TicketTypeFactory(event=published)
    draft_ticket = TicketTypeFactory(event=draft)
    token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    with tenancy.scoped(organizer_id=organizer.pk, user_id=owner.pk), transaction.atomic():
        invitation = Invitation.objects.create(
            organizer=organizer,
            email=f"new@{name.lower()}.example",
            role=Role.STAFF,
            token_hash=token_hash,
            invited_by=owner,
            expires_at=clock.now() + timedelta(days=7),
        )
        entry = audit.record(
            actor=owner, action="events.event.created", organizer=organizer, obj=draft
        )
    with tenancy.scoped(user_id=owner.pk), transaction.atomic():
        personal = audit.record(actor=owner, action="accounts.user.logged_in")
    tenant = Tenant(
        organizer=organizer,
        owner=owner,
        membership=membership,
        published_event=published,
        cancelled_event=cancelled,
        draft_event=draft,
        published_ticket=published_ticket,
        draft_ticket=draft_ticket,
        invitation=invitation,
        invitation_token_hash=token_hash,
        audit_entry=entry,
        personal_audit_entry=personal,
    )
    tenant.ids_by_table = {
        "events_event": {published.pk, cancelled.pk, draft.pk},
        "events_tickettype": {published_ticket.pk, draft_ticket.pk},
        "organizers_membership": {membership.pk},
        "organizers_invitation": {invitation.pk},
        "core_auditlog": {entry.pk},
    }
    return tenant


@dataclass
class World:
    a: Tenant
    b: Tenant


@pytest.fixture
def world(db: None) -> World:
    """Organizer A and organizer B, each with published, cancelled and draft events, ticket
    types, an owner membership, a pending invitation and audit entries."""
    return World(a=make_tenant("Alpha"), b=make_tenant("Bravo"))
