"""Helpers for the organizers tests: reading organizer-owned rows in their tenant context (so
the assertions hold under PostgreSQL row-level security too) and fishing links out of emails."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core import mail

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.organizers.models import Invitation, Membership, Organizer, Role
from tests.factories import MembershipFactory, OrganizerFactory, UserFactory

ACCEPT_LINK_RE = re.compile(r"https?://\S+?/o/invitations/[A-Za-z0-9_-]+/")


def audit_actions(organizer: Organizer) -> list[str]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(
            AuditLog.objects.filter(organizer=organizer)
            .order_by("pk")
            .values_list("action", flat=True)
        )


def audit_entries(organizer: Organizer, action: str) -> list[AuditLog]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(AuditLog.objects.filter(organizer=organizer, action=action).order_by("pk"))


def team_roles(organizer: Organizer) -> dict[str, str]:
    """email -> role of every member."""
    with tenancy.scoped(organizer_id=organizer.pk):
        return dict(
            Membership.objects.filter(organizer=organizer).values_list("user__email", "role")
        )


def invitations_of(organizer: Organizer) -> list[Invitation]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(Invitation.objects.filter(organizer=organizer).order_by("pk"))


def member(organizer: Organizer, role: str = Role.OWNER, **user: Any) -> Membership:
    return MembershipFactory(organizer=organizer, role=role, user=UserFactory(**user))


def sent_emails() -> list[mail.EmailMessage]:
    """Run queued tasks (the email outbox) and return what was sent."""
    run_pending()
    return list(mail.outbox)


def accept_path(message: mail.EmailMessage) -> str:
    match = ACCEPT_LINK_RE.search(str(message.body))
    assert match, f"no invitation link in: {message.body}"
    return urlparse(match.group(0)).path


@pytest.fixture
def organizer() -> Organizer:
    return OrganizerFactory(name="Canyon Nights", slug="canyon-nights")


@pytest.fixture
def owner(organizer: Organizer) -> Membership:
    return member(organizer, Role.OWNER, email="olive.owner@example.com", full_name="Olive Owner")
