"""The buyer's shop: the event page with its reservation form, checkout, re-reserving an expired
reservation, and the order page. No account needed: checkout and order pages are reached by a
signed link (``orders.access``).

Thin views: parse a form, call one service, map the result or the ``DomainError``. The public
event page lives here, not in events, because it composes orders reads (expired holds are shown
as free seats; access codes unlock hidden types) and events must not import orders.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blackcanyon.core import clock, pagecache, ratelimit
from blackcanyon.core.errors import DomainError, RateLimited
from blackcanyon.core.forms import add_domain_error
from blackcanyon.core.timezones import zone
from blackcanyon.events import selectors as event_selectors
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.events.selectors import TicketOffer
from blackcanyon.orders import access, errors, services
from blackcanyon.orders.forms import CheckoutForm, ReserveForm
from blackcanyon.orders.models import Order, OrderLine, OrderStatus
from blackcanyon.orders.selectors_shop import (
    CodeCheck,
    can_reserve_again,
    hold_expired,
    shop_state,
)
from blackcanyon.orders.views.headers import private_page
from blackcanyon.payments.providers import get_provider
from blackcanyon.payments.stripe.checkout import checkout_page_csp
from blackcanyon.tickets.views import order_page_tickets

# Reservation attempts per client address. Generous: buyers behind one mobile carrier NAT or a
# venue's Wi-Fi share an address, and an on-sale moment brings them all at once.
RESERVE_LIMIT = 60
RESERVE_WINDOW = 10 * 60
# Code checks per client address: slows down guessing access codes.
CODE_LIMIT = 30
CODE_WINDOW = 10 * 60
# Payment starts (each a Stripe Checkout Session, which first expires the order's previous one):
# per order, far more than a buyer who comes back from the payment page a few times needs; per
# client address, as generous as reservations (one address may be a whole venue's Wi-Fi).
PAY_ORDER_LIMIT = 10
PAY_ORDER_WINDOW = 60 * 60
PAY_LIMIT = 60
PAY_WINDOW = 10 * 60
PREFILL_KEY = "bct_checkout_prefill"


def _actor(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _limit(request: HttpRequest, *, scope: str, limit: int, window: int) -> None:
    limit = int(getattr(settings, f"BCT_{scope.upper()}_LIMIT", limit))
    ratelimit.hit(scope=scope, identity=ratelimit.client_ip(request), limit=limit, window=window)


# --- event page -------------------------------------------------------------------------------


def _render_event(
    request: HttpRequest,
    event: Event,
    offers: list[TicketOffer],
    form: ReserveForm,
    check: CodeCheck,
    status: int = 200,
) -> HttpResponse:
    on_sale = event.status == EventStatus.PUBLISHED and event.ends_at > clock.now()
    return render(
        request,
        "events/public_event.html",
        {
            "event": event,
            "offers": offers,
            "form": form,
            "rows": form.rows(),
            "code_check": check,
            "can_reserve": any(offer.availability.on_sale for offer in offers),
            "shows_code": on_sale,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def event_page(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The public event page: ticket types with a quantity each, a code field, "Reserve"."""
    now = clock.now()

    def lookup() -> Event:
        return event_selectors.event_get_public(
            organizer_slug=organizer_slug, event_slug=event_slug
        )

    if request.method == "POST":
        return _reserve(request, lookup(), now)
    # Anonymous visitors share a page rendered at most a couple of seconds ago.
    return pagecache.cached_page(
        request,
        f"event:{organizer_slug}:{event_slug}",
        lambda: _event_page_get(request, lookup(), now),
    )


def _event_page_get(request: HttpRequest, event: Event, now: datetime) -> HttpResponse:
    code_text = request.GET.get("code", "").strip()[:40]
    if code_text:
        try:
            _limit(request, scope="shop_code", limit=CODE_LIMIT, window=CODE_WINDOW)
        except RateLimited as error:
            offers, check = shop_state(event=event, now=now, code_text="")
            form = ReserveForm({"code": code_text}, offers=offers)
            form.add_error("code", error.message)
            return _render_event(request, event, offers, form, check, status=error.status)
    offers, check = shop_state(event=event, now=now, code_text=code_text)
    form = ReserveForm({"code": code_text} if code_text else None, offers=offers)
    if check.error is not None:
        form.add_refusal(check.error)
    return _render_event(request, event, offers, form, check)


def _reserve(request: HttpRequest, event: Event, now: datetime) -> HttpResponse:
    code_text = request.POST.get("code", "").strip()[:40]
    applying = "apply_code" in request.POST
    try:
        if applying:
            _limit(request, scope="shop_code", limit=CODE_LIMIT, window=CODE_WINDOW)
        else:
            _limit(request, scope="shop_reserve", limit=RESERVE_LIMIT, window=RESERVE_WINDOW)
    except RateLimited as error:
        offers, check = shop_state(event=event, now=now, code_text="")
        form = ReserveForm(request.POST, offers=offers)
        form.add_error(None, f"Too many attempts from your network. {error.message}")
        return _render_event(request, event, offers, form, check, status=error.status)
    offers, check = shop_state(event=event, now=now, code_text=code_text)
    form = ReserveForm(request.POST, offers=offers)
    if applying or not form.is_valid():
        if check.error is not None:
            form.add_refusal(check.error)
        return _render_event(request, event, offers, form, check, status=200 if applying else 400)
    try:
        order = services.reservation_create(
            event=event,
            quantities=form.quantities(),
            code=form.cleaned_data["code"],
            actor=_actor(request),
            now=now,
        )
    except DomainError as error:
        # Show the page as it is now (what sold out, what is left) with the buyer's choices.
        offers, check = shop_state(event=event, now=now, code_text=code_text)
        form = ReserveForm(request.POST, offers=offers)
        form.is_valid()
        form.add_refusal(error)
        return _render_event(request, event, offers, form, check, status=error.status)
    return redirect(access.checkout_path(order))


# --- checkout -----------------------------------------------------------------------------------


def _lines(order: Order) -> list[OrderLine]:
    prefetch_related_objects([order], "lines__ticket_type", "tickets__ticket_type")
    return list(order.lines.all())


def hold_context(order: Order, now: datetime) -> dict[str, Any]:
    """Server-rendered "held until 7:42 PM MDT (15 minutes)"; the script only counts down."""
    if order.expires_at is None:
        return {}
    local = order.expires_at.astimezone(zone(order.event.timezone))
    seconds = max(0, (order.expires_at - now).total_seconds())
    return {
        "hold_until": dateformat.format(local, "g:i A T"),
        "hold_minutes": max(1, math.ceil(seconds / 60)),
        "hold_iso": order.expires_at.isoformat(),
    }


def _summary_context(order: Order, now: datetime) -> dict[str, Any]:
    return {
        "order": order,
        "event": order.event,
        "lines": _lines(order),
        **hold_context(order, now),
    }


def _expired_page(
    request: HttpRequest,
    order: Order,
    now: datetime,
    *,
    error: DomainError | None = None,
    entered: dict[str, Any] | None = None,
) -> HttpResponse:
    context = _summary_context(order, now)
    context.update(
        {
            "can_reserve_again": error is None
            and can_reserve_again(order=order, lines=context["lines"], now=now),
            "error": error,
            "entered": entered or {},
            "event_url": _event_url(order.event),
            "again_url": access.checkout_path(order, "orders:reserve_again"),
        }
    )
    return render(request, "orders/expired.html", context, status=410)


def _event_url(event: Event) -> str:
    return reverse(
        "orders:event_page",
        kwargs={"organizer_slug": event.organizer.slug, "event_slug": event.slug},
    )


def _done(order: Order) -> bool:
    return order.status in {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.REFUNDED}


@require_http_methods(["GET", "POST"])
@private_page
@csp_override(checkout_page_csp())  # the form's redirect may go to Stripe Checkout
def checkout(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    """Buyer details, attendees, terms → payment provider (or straight to tickets when free)."""
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    now = clock.now()
    if _done(order):
        return redirect(access.order_page_path(order))
    lines = _lines(order)
    ask = order.event.ask_attendee_names
    if request.method == "POST":
        form = CheckoutForm(request.POST, lines=lines, ask_names=ask)
        if hold_expired(order, now):
            return _expired_page(request, order, now, entered=form.entered())
        status = 422
        if form.is_valid():
            try:
                return _submit(request, order, form)
            except errors.ReservationExpired:
                return _expired_page(request, order, now, entered=form.entered())
            except DomainError as error:
                add_domain_error(form, error, form.service_field_map(error))
                status = error.status
    else:
        if hold_expired(order, now):
            return _expired_page(request, order, now)
        prefill = request.session.get(PREFILL_KEY, {}).get(order.code)
        form = CheckoutForm(
            lines=lines, ask_names=ask, initial=CheckoutForm.initial_for(order, lines, prefill)
        )
        status = 200
    context = _summary_context(order, now)
    context.update(
        {"form": form, "attendee_rows": form.attendee_rows(), "is_free": order.total == 0}
    )
    return render(request, "orders/checkout.html", context, status=status)


def _limit_payment_start(request: HttpRequest, order: Order) -> None:
    """Refuse (``RateLimited``, 429 on the checkout form) a payment start past the limits: each
    start calls the payment provider (Stripe's API limit is shared by every organizer) and
    writes audit entries. Checked before anything is written; the reservation is kept."""
    try:
        _limit(request, scope="shop_pay", limit=PAY_LIMIT, window=PAY_WINDOW)
    except RateLimited as error:
        raise RateLimited(_wait_message("from your network", error)) from error
    limit = int(getattr(settings, "BCT_SHOP_PAY_ORDER_LIMIT", PAY_ORDER_LIMIT))
    try:
        ratelimit.hit(
            scope="shop_pay_order", identity=str(order.pk), limit=limit, window=PAY_ORDER_WINDOW
        )
    except RateLimited as error:
        raise RateLimited(_wait_message("for this order", error)) from error


def _wait_message(whose: str, error: RateLimited) -> str:
    wait = error.message.removeprefix("Too many requests. ")
    return (
        f"Too many payment attempts {whose}. Nothing was charged; your tickets stay reserved"
        f" until the time shown above. {wait}"
    )


def _submit(request: HttpRequest, order: Order, form: CheckoutForm) -> HttpResponse:
    if order.total > 0:
        _limit_payment_start(request, order)
    order = services.order_submit_details(order=order, actor=_actor(request), **form.details())
    if order.total == 0:
        order = services.order_pay_free(order=order, actor=_actor(request))
        messages.success(
            request,
            f"You're going! Your tickets are below and on their way to {order.buyer_email}.",
        )
        return redirect(access.order_page_path(order))
    # PaymentProviderError (nothing charged) reaches the form like any refusal.
    return redirect(get_provider().start(order=order, request=request))


@require_POST
@private_page
def reserve_again(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    """ "Reserve the same tickets again" after a reservation expired → a new checkout."""
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    now = clock.now()
    if _done(order):
        return redirect(access.order_page_path(order))
    if not hold_expired(order, now):
        return redirect(access.checkout_path(order))
    entered = _entered_from_post(request, order, _lines(order))
    try:
        _limit(request, scope="shop_reserve", limit=RESERVE_LIMIT, window=RESERVE_WINDOW)
        new_order = services.order_rereserve(order=order, actor=_actor(request), now=now)
    except DomainError as error:
        return _expired_page(request, order, now, error=error, entered=entered)
    prefills = request.session.get(PREFILL_KEY, {})
    prefills[new_order.code] = entered
    request.session[PREFILL_KEY] = dict(list(prefills.items())[-5:])
    messages.success(request, "Done: the same tickets are reserved for you again.")
    return redirect(access.checkout_path(new_order))


def _entered_from_post(
    request: HttpRequest, order: Order, lines: list[OrderLine]
) -> dict[str, Any]:
    """Details typed before the reservation expired (hidden fields of the re-reserve form), or
    those saved on the expired order."""
    post = request.POST
    attendees = [
        [str(n)[:150] for n in post.getlist(f"attendees_{position}")]
        for position in range(len(lines))
    ]
    return {
        "buyer_name": str(post.get("buyer_name", "") or order.buyer_name)[:150],
        "buyer_email": str(post.get("buyer_email", "") or order.buyer_email)[:254],
        "attendees": attendees,
    }


# --- order page ---------------------------------------------------------------------------------


@require_GET
@private_page
def order_page(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    """The buyer's order: code, event, tickets, totals, status. Bookmarkable, never indexed."""
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    now = clock.now()
    context = _summary_context(order, now)
    context.update(
        {
            "tickets": list(order.tickets.all()),
            "expired": hold_expired(order, now),
            "checkout_url": access.checkout_path(order),
            "event_url": _event_url(order.event),
            **order_page_tickets(order),
        }
    )
    return render(request, "orders/order_page.html", context)
