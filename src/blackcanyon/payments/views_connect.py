"""Organizer settings, Payments: Stripe Connect onboarding and the platform fee. Owners and admins
only (``organizer.manage``). Thin: one service per action, refusals become messages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from blackcanyon.core import ratelimit
from blackcanyon.core.errors import DomainError, RateLimited
from blackcanyon.core.money import Money, parse_major
from blackcanyon.organizers.access import organizer_view, role_has
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments import fees, selectors
from blackcanyon.payments.stripe import connect
from blackcanyon.payments.stripe.client import stripe_enabled

STRIPE_CONNECT_ORIGIN = "https://connect.stripe.com"
# "Connect with Stripe" creates objects on Stripe: a few per hour per organizer is plenty. Per
# user too, as one user may create many organizers, each of whose first click creates an account.
CONNECT_STARTS_PER_HOUR = 10
CONNECT_STARTS_PER_USER_PER_HOUR = 10
# Each visit to the return page asks Stripe for the account: a person needs a few, while a loop
# (or another site making signed-in organizers load it) would spend the platform's Stripe rate
# limit. Past this, the page shows the stored status, which account.updated keeps current.
ACCOUNT_REFRESHES_PER_HOUR = 30
# Each "Open Stripe dashboard" click creates a login link on Stripe.
DASHBOARD_LINKS_PER_HOUR = 30
STORED_STATUS = (
    "This is the status Stripe last sent us (see “Last checked”); it updates by itself when"
    " Stripe tells us of a change."
)
LINK_EXPIRED = (
    "That Stripe link has expired or was already used. Choose “Continue with Stripe” to get a new"
    " one."
)


def connect_page_csp() -> dict[str, Any]:
    """The site policy, plus Stripe's onboarding origin as a form target: the Connect button
    POSTs here and we redirect to Stripe, and browsers apply ``form-action`` to that redirect."""
    if not settings.SECURE_CSP:
        return {}
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    form_action = list(policy.get("form-action") or [CSP.SELF])
    policy["form-action"] = [*form_action, STRIPE_CONNECT_ORIGIN]
    return policy


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


def _page(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    role = request.membership.role  # type: ignore[attr-defined]
    policy = fees.fee_policy_for(organizer=organizer, currency=organizer.default_currency)
    return render(
        request,
        "payments/connect.html",
        {
            "organizer": organizer,
            "org_nav": {
                "can_events": role_has(role, "events.view"),
                "can_team": role_has(role, "team.view"),
                "can_settings": True,
            },
            "stripe_enabled": stripe_enabled(),
            "status": selectors.connect_status(organizer=organizer),
            "fee": policy,
            "fee_example": _fee_example(policy, organizer.default_currency),
        },
    )


def _fee_example(policy: fees.FeePolicy, currency: str) -> dict[str, object]:
    amount = parse_major("50", currency)
    fee = fees.fee_for_amount(amount=amount, policy=policy)
    return {
        "amount": Money(amount, currency).format(),
        "fee": Money(fee, currency).format(),
        "fixed": Money(policy.fixed, currency).format(),
    }


@require_GET
@never_cache
@csp_override(connect_page_csp())
@organizer_view("organizer.manage")
def connect_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@organizer_view("organizer.manage")
def connect_start(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    try:
        ratelimit.hit(
            scope="stripe_connect_user",
            identity=str(request.user.pk),
            limit=CONNECT_STARTS_PER_USER_PER_HOUR,
        )
        ratelimit.hit(
            scope="stripe_connect",
            identity=str(organizer.pk),
            limit=CONNECT_STARTS_PER_HOUR,
        )
        url = connect.stripe_onboarding_start(actor=request.user, organizer=organizer)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:connect", organizer_slug=organizer.slug)
    return redirect(url)


@require_POST
@organizer_view("organizer.manage")
def connect_dashboard(request: HttpRequest) -> HttpResponse:
    """The "Open Stripe dashboard" button: a fresh single-use Express login link, then off to
    Stripe (the Payments page's CSP allows ``form-action`` to connect.stripe.com)."""
    organizer = _organizer(request)
    try:
        ratelimit.hit(
            scope="stripe_dashboard",
            identity=str(organizer.pk),
            limit=DASHBOARD_LINKS_PER_HOUR,
        )
        url = connect.stripe_dashboard_link(actor=request.user, organizer=organizer)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:connect", organizer_slug=organizer.slug)
    return redirect(url)


@require_GET
@never_cache
@organizer_view("organizer.manage")
def connect_return(request: HttpRequest) -> HttpResponse:
    """Stripe sends the organizer back here: ask Stripe where the account stands now (at most
    ``ACCOUNT_REFRESHES_PER_HOUR`` times per organizer; past that, the stored status)."""
    organizer = _organizer(request)
    try:
        ratelimit.hit(
            scope="stripe_account_refresh",
            identity=str(organizer.pk),
            limit=ACCOUNT_REFRESHES_PER_HOUR,
        )
    except RateLimited:
        if selectors.stripe_account_for(organizer=organizer) is not None:
            messages.info(request, STORED_STATUS)
        return redirect("payments:connect", organizer_slug=organizer.slug)
    try:
        account = connect.stripe_account_refresh(actor=request.user, organizer=organizer)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if account is not None and account.charges_enabled:
            messages.success(request, "Stripe is connected: you can sell paid tickets.")
        elif account is not None:
            messages.warning(
                request, "Stripe still needs some details before you can take payments."
            )
    return redirect("payments:connect", organizer_slug=organizer.slug)


@require_GET
@organizer_view("organizer.manage")
def connect_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe's ``refresh_url``: the link expired or was reused. A new one is made only by the
    page's POST button (CSRF-protected and rate-limited), never by a GET."""
    messages.info(request, LINK_EXPIRED)
    return redirect("payments:connect", organizer_slug=_organizer(request).slug)
