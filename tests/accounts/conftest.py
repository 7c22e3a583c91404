"""Helpers for the accounts tests: read queued emails, follow their links, read audit entries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache

from blackcanyon.accounts.models import User
from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending

PASSWORD = "correct horse battery"  # the factories' password
NEW_PASSWORD = "granite mesa sunrise 42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Rate-limit counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


def deliver() -> list[mail.EmailMessage]:
    """Run the queued email tasks and return everything sent so far."""
    run_pending()
    return list(mail.outbox)


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in deliver() if address in m.to]


def link_path(message: mail.EmailMessage) -> str:
    """The path of the first app link in an email's text body."""
    match = re.search(r"https?://\S+", str(message.body))
    assert match, f"no link in {message.body!r}"
    return urlparse(match.group(0)).path


def audit_actions(user: User) -> list[str]:
    """Organizer-less audit entries acted by ``user`` (readable by the user under RLS)."""
    with tenancy.scoped(user_id=user.pk):
        return list(
            AuditLog.objects.filter(actor_id=user.pk, organizer__isnull=True)
            .order_by("id")
            .values_list("action", flat=True)
        )
