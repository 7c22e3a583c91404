"""The door scanner web app at ``/scan/``: pick organizer → event → check-in list → scan.

The pages are server-rendered; the scanning screen is a small set of ES modules under
``static/scanner/`` (camera through ``barcode-detector`` + self-hosted ``zxing-wasm``, offline
verification in ``verify.js``, a scan queue in IndexedDB) that talks to the check-in API with the
browser session. A service worker (``sw.js``, scope ``/scan/``) precaches that shell so the
scanner opens without a network; see docs/scanner.md.

Only the scanning screen gets a looser Content Security Policy: ``'wasm-unsafe-eval'`` for the
barcode decoder and ``worker-src 'self'`` for the service worker. Every other page keeps
``settings.SECURE_CSP``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from blackcanyon.checkin import selectors as checkin_selectors
from blackcanyon.checkin.services.lists import checkin_lists_ensure_default
from blackcanyon.core import clock
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.events.selectors import event_get_for_organizer, event_list_for_organizer
from blackcanyon.organizers.access import RoleLacksPermission, organizer_view, role_has
from blackcanyon.organizers.models import Membership, Organizer
from blackcanyon.organizers.selectors import organizer_list_for_user
from blackcanyon.tickets.signing import VALID_AFTER_END

PERMISSION = "checkin.scan"

# ES modules of the scanning screen, in the import map (so hashed production names resolve) and
# precached by the service worker together with the other shell assets.
MODULES = (
    "scanner/app.js",
    "scanner/verify.js",
    "scanner/offline.js",
    "scanner/store.js",
    "scanner/net.js",
    "scanner/camera.js",
    "scanner/feedback.js",
    "scanner/picker.js",
    "scanner/vendor/barcode-detector/polyfill.js",
    "scanner/vendor/barcode-detector/zxing-exported.js",
)
WASM = "scanner/vendor/zxing-wasm/zxing_reader.wasm"
ICONS = (
    ("scanner/icons/icon-192.png", "192x192", "any"),
    ("scanner/icons/icon-512.png", "512x512", "any"),
    ("scanner/icons/icon-maskable-512.png", "512x512", "maskable"),
)
SHELL_ASSETS = (*MODULES, WASM, "scanner/scanner.css", *(path for path, _, _ in ICONS))
THEME = "#0b0b0c"


def scanner_csp() -> dict[str, Any]:
    """The site policy plus what the scanning screen needs; empty when the site has no CSP."""
    if not settings.SECURE_CSP:
        return {}
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    script_src = list(policy.get("script-src") or [CSP.SELF])
    policy["script-src"] = [*script_src, CSP.WASM_UNSAFE_EVAL]
    policy["worker-src"] = [CSP.SELF]
    return policy


# --- Access --------------------------------------------------------------------------------------

ViewFunc = Callable[..., HttpResponse]


def scanner_view(view: ViewFunc) -> ViewFunc:
    """``organizer_view("checkin.scan")`` with the scanner's own 403 page for the wrong role."""
    guarded = organizer_view(PERMISSION)(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return guarded(request, *args, **kwargs)
        except RoleLacksPermission:
            return _forbidden(request)

    return wrapper


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "checkin/scanner/forbidden.html", status=403)


def _org(request: HttpRequest) -> Organizer:
    return cast(Organizer, request.organizer)  # type: ignore[attr-defined]


def _scanner_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's memberships whose role may scan."""
    return [m for m in organizer_list_for_user(user=request.user) if role_has(m.role, PERMISSION)]


def _scannable_events(organizer: Organizer) -> list[Event]:
    """Events door staff may scan now: not cancelled, tickets still valid; soonest first."""
    cutoff = clock.now() - VALID_AFTER_END
    events = (
        event_list_for_organizer(organizer=organizer)
        .exclude(status=EventStatus.CANCELLED)
        .filter(ends_at__gte=cutoff)
    )
    return sorted(events, key=lambda e: (e.starts_at, e.pk))


# --- Picker --------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Step 1: the organizers this person scans for (straight to the events when only one)."""
    memberships = _scanner_memberships(request)
    if not memberships:
        return _forbidden(request)
    if len(memberships) == 1:
        return redirect("scanner:events", organizer_slug=memberships[0].organizer.slug)
    return render(request, "checkin/scanner/organizers.html", {"memberships": memberships})


@never_cache
@require_GET
@scanner_view
def events(request: HttpRequest) -> HttpResponse:
    """Step 2: the organizer's events that can be scanned now."""
    organizer = _org(request)
    return render(
        request,
        "checkin/scanner/events.html",
        {
            "organizer": organizer,
            "events": _scannable_events(organizer),
            "several_organizers": len(_scanner_memberships(request)) > 1,
        },
    )


@never_cache
@require_GET
@scanner_view
def lists(request: HttpRequest, event_id: int) -> HttpResponse:
    """Step 3: the event's check-in lists with their counts (an event without a list gets the
    default "All tickets" one, as the check-in API does)."""
    organizer = _org(request)
    event = event_get_for_organizer(organizer=organizer, event_id=event_id)
    counts = checkin_selectors.list_counts(
        event=event, lists=checkin_lists_ensure_default(event=event)
    )
    return render(
        request,
        "checkin/scanner/lists.html",
        {"organizer": organizer, "event": event, "lists": counts},
    )


# --- Scanning screen -----------------------------------------------------------------------------


def _import_map() -> dict[str, dict[str, str]]:
    """Map each module's plain URL (what relative imports resolve to) to its served URL."""
    return {"imports": {settings.STATIC_URL + path: static(path) for path in MODULES}}


@never_cache
@require_GET
@csp_override(scanner_csp())
@scanner_view
def scanner(request: HttpRequest, list_id: int) -> HttpResponse:
    """The scanning screen for one check-in list (camera, manual entry, results)."""
    organizer = _org(request)
    checkin_list = checkin_selectors.checkin_list_get(organizer=organizer, list_id=list_id)
    event = checkin_list.event
    config = {
        "listId": checkin_list.pk,
        "listName": checkin_list.name,
        "eventId": event.pk,
        "eventTitle": event.title,
        "timezone": event.timezone,
        "minimumAge": event.minimum_age,
        "organizerSlug": organizer.slug,
        "csrfToken": get_token(request),
        "wasmUrl": static(WASM),
        "urls": {
            "checkins": "/api/v1/checkins/",
            "bundle": f"/api/v1/checkin-lists/{checkin_list.pk}/offline/",
            "session": reverse("scanner:session"),
            "serviceWorker": reverse("scanner:service_worker"),
            "scope": reverse("scanner:home"),
        },
    }
    return render(
        request,
        "checkin/scanner/scanner.html",
        {
            "organizer": organizer,
            "event": event,
            "checkin_list": checkin_list,
            "config": config,
            "import_map": json.dumps(_import_map()),
        },
    )


@never_cache
@require_GET
def session(request: HttpRequest) -> JsonResponse:
    """A fresh CSRF token for a scanner page that was opened from the offline cache."""
    return JsonResponse(
        {"authenticated": request.user.is_authenticated, "csrfToken": get_token(request)}
    )


# --- PWA: offline page, manifest, service worker -------------------------------------------------


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a scanner page it has not cached (no personal data)."""
    response = render(request, "checkin/scanner/offline.html")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    scope = reverse("scanner:home")
    data = {
        "name": "Black Canyon Scanner",
        "short_name": "Scanner",
        "description": "Scan Black Canyon tickets at the door, also without a network.",
        "id": scope,
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": THEME,
        "theme_color": THEME,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@functools.cache
def shell_version() -> str:
    """A digest of the shell's files: a new release changes it, so the worker re-caches."""
    digest = hashlib.sha256()
    for path in SHELL_ASSETS:
        digest.update(static(path).encode())
        found = finders.find(path)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
        elif staticfiles_storage.exists(path):
            with staticfiles_storage.open(path) as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served under /scan/ so its scope is the scanner app."""
    scope = reverse("scanner:home")
    precache = [reverse("scanner:offline"), reverse("scanner:manifest")]
    precache += [static(path) for path in SHELL_ASSETS]
    response = render(
        request,
        "checkin/scanner/sw.js",
        {
            "version": shell_version(),
            "scope": json.dumps(scope),
            "precache": json.dumps(precache),
            "offline_url": json.dumps(reverse("scanner:offline")),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response
