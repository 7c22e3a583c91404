"""Who may call the check-in API, and how it is told.

Three ways in (check-in API contract):

1. ``Authorization: Bearer bct_...`` — an organizer API token (``api.auth.ApiTokenAuth``: its
   per-token rate limit, its organizer's tenant context);
2. ``Authorization: Bearer bctd_...`` — a scanner device token: looked up by its sha256 (RLS
   shows that one row before the organizer is known), refused when unknown (401
   ``token_invalid``) or revoked (401 ``device_revoked``), rate limited per device, and then its
   organizer's tenant context is active;
3. no ``Authorization`` header and a signed-in session — the ``/scan/`` web app. Unsafe methods
   need Django's CSRF token (header ``X-CSRFToken``; 403 ``csrf_failed``). The organizer is only
   known once the event, list or scan is found (``checkin.scope``), which also checks the
   member's role.

Anything else is 401 ``not_authenticated``. ``request.auth`` is a ``Principal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from blackcanyon.api.auth import ApiTokenAuth, limited
from blackcanyon.api.models import ApiToken
from blackcanyon.checkin import selectors
from blackcanyon.checkin.errors import (
    CsrfFailed,
    DeviceRevoked,
    DeviceTokenInvalid,
    NotAuthenticated,
)
from blackcanyon.checkin.models import ScannerDevice
from blackcanyon.checkin.services import scanner_device_touch
from blackcanyon.core import ratelimit, tenancy

# Requests per device or signed-in scanner per minute. Generous: a door syncing an offline
# queue sends many small batches; a batch of up to 500 scans counts once.
DEFAULT_RATE_LIMIT = 1200
DEFAULT_FAILURE_LIMIT = 60  # failed device-token authentications per client address per window
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a check-in endpoint: exactly one of ``api_token``, ``device``, ``user``."""

    api_token: ApiToken | None = None
    device: ScannerDevice | None = None
    user: Any | None = None

    @property
    def organizer_id(self) -> int | None:
        """The organizer a token or device acts for (``None`` for a session: per request)."""
        if self.api_token is not None:
            return self.api_token.organizer_id
        if self.device is not None:
            return self.device.organizer_id
        return None

    @property
    def actor(self) -> Any | None:
        """Who audit entries name: the member signed in, or the member who created the API
        token; ``None`` for a device (the device is recorded instead)."""
        if self.user is not None:
            return self.user
        if self.api_token is not None:
            return self.api_token.created_by
        return None


def rate_limit() -> int:
    return int(getattr(settings, "BCT_CHECKIN_RATE_LIMIT", DEFAULT_RATE_LIMIT))


class CheckinAuth(HttpBearer):
    """Device token, API token or session (see the module docstring). Every refusal is JSON."""

    def __call__(self, request: HttpRequest) -> Principal:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, credentials = header.partition(" ")
            credentials = credentials.strip()
            if scheme.lower() != "bearer" or not credentials:
                raise NotAuthenticated()
            return self.authenticate(request, credentials)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self._session(request, user)
        raise NotAuthenticated()

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        if token.startswith("bctd_"):
            return Principal(device=self._device(request, token))
        return Principal(api_token=ApiTokenAuth().authenticate(request, token))

    def _device(self, request: HttpRequest, token: str) -> ScannerDevice:
        device = selectors.device_for_token(plaintext=token)
        if device is None:
            failures = int(getattr(settings, "BCT_API_AUTH_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT))
            limited(scope="api.auth_failed", identity=ratelimit.client_ip(request), limit=failures)
            raise DeviceTokenInvalid()
        if device.revoked_at is not None:
            raise DeviceRevoked()
        limited(scope="checkin.device", identity=device.token_hash, limit=rate_limit())
        # From here on the request acts for the device's organizer only; a browser session
        # that happens to be signed in plays no part.
        tenancy.activate(organizer_id=device.organizer_id)
        scanner_device_touch(device=device)
        return device

    def _session(self, request: HttpRequest, user: Any) -> Principal:
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        limited(scope="checkin.session", identity=str(user.pk), limit=rate_limit())
        return Principal(user=user)


def principal_of(request: HttpRequest) -> Principal:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    return principal
