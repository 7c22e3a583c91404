"""Personal data held by the accounts app, and how it is exported and erased.

* ``accounts.User.email`` — the login and the address we write to. Export: as is. Erase:
  pseudonymised to ``erased-<id>@invalid`` (the row stays so audit entries and orders keep a
  valid reference).
* ``accounts.User.full_name`` — display name. Export: as is. Erase: cleared.
* ``accounts.User`` timestamps (``date_joined``, ``last_login``, ``email_verified_at``) —
  exported; ``email_verified_at`` is cleared on erasure.
* django-axes login records (``AccessAttempt``, ``AccessFailureLog``, ``AccessLog``: username =
  email, IP address, user agent) — deleted on erasure. Retention: attempts expire after the
  cool-off; logs are pruned by the operator's retention job.
* Audit entries written by accounts hold no email, name, password or token.

Retention: an account is kept until its holder or platform staff erase it.
"""

from __future__ import annotations

from typing import Any

from blackcanyon.accounts.models import User
from blackcanyon.accounts.services import user_erase

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "accounts.User": {
        "email": "login and contact address; pseudonymised on erasure",
        "full_name": "display name; cleared on erasure",
    },
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_user(user: User) -> dict[str, Any]:
    """Everything accounts holds about ``user`` as JSON-serialisable data."""
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "email_verified_at": _iso(user.email_verified_at),
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
    }


def erase_user(*, actor: User, user: User) -> User:
    """Pseudonymise ``user`` (see ``accounts.services.user_erase``; audited)."""
    return user_erase(actor=actor, user=user)
