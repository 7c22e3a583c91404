"""The production guard: every reason the production profile must refuse to start.

Kept free of Django imports so that settings can call it before Django is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

# Values that ship in the repository (.env.example, development defaults). Seeing one of them in
# production means the operator copied an example instead of generating a secret.
DEV_SECRET_KEY = "dev-insecure-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - public on purpose, refused in production
KNOWN_EXAMPLE_VALUES = frozenset(
    {
        DEV_SECRET_KEY,
        "change-me",
        "changeme",
        "replace-with-a-long-random-string",
        "postgres://bct_web:change-me@db.example.com:5432/blackcanyon",
        "https://tickets.example.com",
    }
)
MIN_SECRET_KEY_LENGTH = 50
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Return one human sentence per problem that makes this environment unfit for production."""
    problems: list[str] = []
    secret = env.get("SECRET_KEY", "")
    if not secret:
        problems.append("SECRET_KEY is not set.")
    elif secret in KNOWN_EXAMPLE_VALUES:
        problems.append("SECRET_KEY is a default or example value: generate a new one.")
    elif len(secret) < MIN_SECRET_KEY_LENGTH or len(set(secret)) < 5:
        problems.append(
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters."
        )

    database_url = env.get("DATABASE_URL", "")
    if not database_url:
        problems.append("DATABASE_URL is not set.")
    elif database_url in KNOWN_EXAMPLE_VALUES:
        problems.append("DATABASE_URL is the example value from .env.example.")
    elif not database_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL in production.")

    public_url = env.get("PUBLIC_APP_URL", "")
    if not public_url:
        problems.append("PUBLIC_APP_URL is not set.")
    elif public_url in KNOWN_EXAMPLE_VALUES:
        problems.append("PUBLIC_APP_URL is the example value from .env.example.")
    else:
        parsed = urlparse(public_url)
        if parsed.scheme != "https" or not parsed.hostname:
            problems.append("PUBLIC_APP_URL must be an https:// URL.")

    if is_true(env.get("DEBUG")):
        problems.append("DEBUG is on: unset DEBUG in production.")
    problems.extend(_stripe_problems(env))
    return problems


def _stripe_problems(env: Mapping[str, str]) -> list[str]:
    """Stripe is optional; once a key is set it must be a real secret key, and webhooks (the only
    way payments are confirmed) need their signing secret."""
    key = env.get("STRIPE_SECRET_KEY", "")
    if not key:
        return []
    problems = []
    if not key.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_")):
        problems.append("STRIPE_SECRET_KEY is not a Stripe secret key (sk_... or rk_...).")
    if not env.get("STRIPE_WEBHOOK_SECRET", "").startswith("whsec_"):
        problems.append("STRIPE_WEBHOOK_SECRET (whsec_...) is required when Stripe is enabled.")
    return problems
