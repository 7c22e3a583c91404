"""Signed, single-purpose links: email verification, email change, password reset.

Each link kind has its own salt, so a token made for one purpose never passes as another. Expiry
is measured with ``core.clock`` (tests move time with ``clock.frozen``), not the signer's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import salted_hmac

from blackcanyon.accounts.errors import LinkExpired, LinkInvalid
from blackcanyon.core import clock

VERIFY_EMAIL_SALT = "blackcanyon.accounts.verify-email"
CHANGE_EMAIL_SALT = "blackcanyon.accounts.change-email"
# Tolerated clock skew between the machine that signed a link and the one reading it.
_SKEW_SECONDS = 300


def sign(payload: dict[str, Any], *, salt: str) -> str:
    """Sign ``payload`` (JSON-serialisable) with the issue time; URL-safe."""
    stamped = {**payload, "iat": int(clock.now().timestamp())}
    return signing.Signer(salt=salt).sign_object(stamped)


def unsign(token: str, *, salt: str, max_age: int) -> dict[str, Any]:
    """Return the payload of a valid token; raise ``LinkInvalid`` or ``LinkExpired``."""
    try:
        payload = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise LinkInvalid() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("iat"), int):
        raise LinkInvalid()
    age = clock.now().timestamp() - payload["iat"]
    if age < -_SKEW_SECONDS:
        raise LinkInvalid()
    if age > max_age:
        raise LinkExpired()
    return payload


def password_fingerprint(password_hash: str) -> str:
    """A short keyed digest of the password hash: a link carrying it dies when the password
    changes (e.g. the owner changes it after a 'was this you?' email)."""
    return salted_hmac(CHANGE_EMAIL_SALT, password_hash, algorithm="sha256").hexdigest()[:20]


class ClockedPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset tokens (invalidated by a new password, login or email), on ``core.clock``
    and with their own salt."""

    key_salt = "blackcanyon.accounts.password-reset"

    def _now(self) -> datetime:
        return clock.now().astimezone(UTC).replace(tzinfo=None)


password_reset_tokens = ClockedPasswordResetTokenGenerator()
