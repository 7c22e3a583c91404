"""Bearer authentication with organizer API tokens, the per-token rate limit, and the tenant
context of an API request.

``Authorization: Bearer bct_<prefix>_<secret>``: the token is looked up by its sha256 (RLS shows
that one row before any organizer is known), refused with 401 when missing, unknown or revoked,
counted against its rate limit (429), and then its organizer's context is activated for the rest
of the request (``TenancyMiddleware`` resets it afterwards). ``request.auth`` is the ApiToken.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from blackcanyon.api import selectors, services
from blackcanyon.api.errors import (
    ApiRateLimited,
    ApiTokenInvalid,
    ApiTokenMissing,
    ApiTokenRevoked,
    seconds_left_in_window,
)
from blackcanyon.api.models import ApiToken
from blackcanyon.core import ratelimit, tenancy
from blackcanyon.core.errors import RateLimited
from blackcanyon.organizers.models import Organizer

RATE_WINDOW = 60  # seconds
DEFAULT_RATE_LIMIT = 600  # requests per token per window
DEFAULT_FAILURE_LIMIT = 60  # failed authentications per client address per window


def rate_limit() -> int:
    return int(getattr(settings, "BCT_API_RATE_LIMIT", DEFAULT_RATE_LIMIT))


def limited(*, scope: str, identity: str, limit: int) -> None:
    """Count one request against a per-minute limit; ``ApiRateLimited`` (429 with
    ``Retry-After``) past it. Shared by every API authentication (tokens, scanner devices)."""
    try:
        ratelimit.hit(scope=scope, identity=identity, limit=limit, window=RATE_WINDOW)
    except RateLimited as error:
        raise ApiRateLimited(
            error.message, retry_after=seconds_left_in_window(RATE_WINDOW)
        ) from None


class ApiTokenAuth(HttpBearer):
    """The API's only authentication. Every refusal is a JSON error, never a bare 401."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise ApiTokenMissing()
        return self.authenticate(request, credentials.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        row = selectors.api_token_for_secret(plaintext=token)
        if row is None:
            # Guessing a 256-bit secret is hopeless; this only caps the lookups a client can cause.
            failures = int(getattr(settings, "BCT_API_AUTH_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT))
            limited(scope="api.auth_failed", identity=ratelimit.client_ip(request), limit=failures)
            raise ApiTokenInvalid()
        if row.revoked_at is not None:
            raise ApiTokenRevoked()
        limited(scope="api.token", identity=row.token_hash, limit=rate_limit())
        # From here on the request acts for the token's organizer, and for nobody else: a browser
        # session that happens to be signed in plays no part in an API call.
        tenancy.activate(organizer_id=row.organizer_id)
        services.api_token_touch(token=row)
        return row


def organizer_of(request: HttpRequest) -> Organizer:
    """The organizer of the authenticated request's token."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token.organizer


def actor_of(request: HttpRequest) -> Any | None:
    """Who API writes are attributed to in the audit trail: the member who created the token
    (``None`` for a token made at the command line). The audit entry's request id ties it to
    this request."""
    token: Any = request.auth  # type: ignore[attr-defined]
    return token.created_by
