"""Writes for API tokens: create (the plaintext is returned once), revoke, note the last use.

Each function sets the organizer's tenant context itself, so a view, the CLI and the API's
authentication call them the same way under PostgreSQL row-level security.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from blackcanyon.api import selectors
from blackcanyon.api.errors import ApiTokenNameInvalid
from blackcanyon.api.models import ApiToken
from blackcanyon.api.selectors import token_hash
from blackcanyon.core import audit, clock, tenancy
from blackcanyon.organizers.access import organizer_access
from blackcanyon.organizers.models import Organizer

TOKEN_PREFIX = "bct_"  # noqa: S105 - the public marker of our tokens, not a secret
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_LENGTH = 8
NAME_MAX = 100
# ``last_used_at`` is written at most this often per token (not on every request).
TOUCH_INTERVAL = timedelta(minutes=1)
_ATTEMPTS = 3


def _new_plaintext() -> tuple[str, str]:
    """``(prefix, token)``: ``bct_<8 lowercase letters/digits>_<43 url-safe chars>``."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def api_token_create(*, actor: Any | None, organizer: Organizer, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``organizer``; return the row and the plaintext token.

    The plaintext exists only in the return value: the row stores its sha256 and the first 8
    characters after ``bct_`` (the prefix shown in lists). ``actor`` needs ``api.manage``;
    ``None`` is the operator at the command line. Raises ``ApiTokenNameInvalid`` (422) for an
    empty or overlong name, and the organizer access errors (404/403) for other users.
    """
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        raise ApiTokenNameInvalid()
    with tenancy.for_organizer(organizer.pk), transaction.atomic():
        if actor is not None:
            organizer_access(actor, organizer, "api.manage")
        for attempt in range(_ATTEMPTS):
            prefix, plaintext = _new_plaintext()
            try:
                with transaction.atomic():
                    token = ApiToken.objects.create(
                        organizer=organizer,
                        name=clean,
                        prefix=prefix,
                        token_hash=token_hash(plaintext),
                        created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    )
                break
            except IntegrityError:  # a prefix collision (1 in 2.8e12): draw again
                if attempt == _ATTEMPTS - 1:
                    raise
        # Never the secret or its hash in the audit trail: the name and the public prefix only.
        audit.record(
            actor=actor,
            action="api.token.created",
            organizer=organizer,
            obj=token,
            data={"name": clean, "prefix": prefix},
        )
    return token, plaintext


def api_token_revoke(*, actor: Any | None, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once: its next request gets 401 ``token_revoked``. Idempotent (a
    second revoke changes nothing and writes no audit entry). ``actor`` needs ``api.manage``."""
    organizer = token.organizer
    with tenancy.for_organizer(organizer.pk), transaction.atomic():
        if actor is not None:
            organizer_access(actor, organizer, "api.manage")
        now = clock.now()
        changed = ApiToken.objects.filter(
            organizer=organizer, pk=token.pk, revoked_at__isnull=True
        ).update(revoked_at=now)
        fresh = ApiToken.objects.get(organizer=organizer, pk=token.pk)
        transaction.on_commit(lambda: selectors.forget_api_token(digest=fresh.token_hash))
        if changed:
            audit.record(
                actor=actor,
                action="api.token.revoked",
                organizer=organizer,
                obj=fresh,
                data={"name": fresh.name, "prefix": fresh.prefix},
            )
    return fresh


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Note that ``token`` was used, at most once per ``TOUCH_INTERVAL``; True when written.

    Bookkeeping, not a change anyone makes: no audit entry. The conditional UPDATE keeps
    parallel requests from all writing; callers run in the token's organizer context.
    """
    now = now or clock.now()
    stale = now - TOUCH_INTERVAL
    if token.last_used_at is not None and token.last_used_at > stale:
        return False
    with transaction.atomic():
        written = ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale),
            organizer_id=token.organizer_id,
            pk=token.pk,
        ).update(last_used_at=now)
    if written:
        token.last_used_at = now
    return bool(written)
