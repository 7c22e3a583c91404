"""The ``stripe`` payment provider: the buyer pays on a Stripe Checkout Session (redirect).

The charge is a destination charge for the organizer's connected account: ``transfer_data``
sends the money to the organizer, ``application_fee_amount`` (``fees.platform_fee``) stays with
the platform. The session is created OUTSIDE any database transaction or inventory lock (DESIGN
rule 6) with an idempotency key per order attempt; the order is confirmed later by the webhook
task or the reconciler (``stripe/settle.py``), never by the buyer's return to our site.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.csp import CSP

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.orders.access import token_for
from blackcanyon.orders.models import Order, OrderLine, OrderStatus
from blackcanyon.payments.errors import PaymentProviderError
from blackcanyon.payments.fees import platform_fee
from blackcanyon.payments.models import CheckoutStatus, StripeAccount, StripeCheckout
from blackcanyon.payments.stripe.client import idempotency_key, stripe_client, translate_error
from blackcanyon.payments.stripe.settle import checkout_session_apply

logger = logging.getLogger(__name__)

NAME = "stripe"
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# Stripe accepts a session expiry 30 minutes to 24 hours after creation.
MIN_SESSION_LIFETIME = timedelta(minutes=31)
MAX_SESSION_LIFETIME = timedelta(hours=23)
#: An earlier attempt in one of these states may still take the buyer's money: before a new
#: session, an open one is expired on Stripe, a processing one (completed, async) is settled.
STILL_PAYABLE = (CheckoutStatus.OPEN, CheckoutStatus.PROCESSING)
# Attempt numbers tried when parallel attempts of one order store their sessions at once.
STORE_TRIES = 5


class StripeAccountNotReady(PaymentProviderError):
    """The organizer has no Stripe account with charges enabled: nothing can be charged."""

    code = "stripe_account_not_ready"
    status = 409
    default_message = (
        "This organizer cannot take card payments yet. Nothing was charged; please try again"
        " later or contact the organizer."
    )


def checkout_page_csp() -> dict[str, Any]:
    """The site policy plus Stripe Checkout as a form target: the checkout form POSTs to us and
    we redirect to Stripe's hosted page, and browsers apply ``form-action`` to that redirect."""
    if not settings.SECURE_CSP:
        return {}
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    form_action = list(policy.get("form-action") or [CSP.SELF])
    policy["form-action"] = [*form_action, CHECKOUT_ORIGIN]
    return policy


def _order_link(name: str, order: Order) -> str:
    kwargs = {
        "organizer_slug": order.event.organizer.slug,
        "code": order.code,
        "token": token_for(order),
    }
    return settings.PUBLIC_APP_URL + reverse(name, kwargs=kwargs)


def session_expiry(order: Order, now: datetime) -> datetime:
    """The session lives as long as the reservation, within Stripe's 30 min - 24 h window (a
    payment completing after the hold expired is the late-payment case of ``settle``)."""
    wanted = order.expires_at or now
    return min(max(wanted, now + MIN_SESSION_LIFETIME), now + MAX_SESSION_LIFETIME)


def _line_items(order: Order, lines: list[OrderLine]) -> list[dict[str, Any]]:
    items = []
    for line in lines:
        unit = line.unit_price - line.unit_discount
        if unit <= 0:
            continue  # free tickets of a paid order: Stripe needs a positive amount per item
        items.append(
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": unit,
                    "product_data": {"name": f"{order.event.title} - {line.ticket_type.name}"},
                },
            }
        )
    return items


def session_params(
    *, order: Order, account: StripeAccount, fee: int, expires_at: datetime
) -> dict[str, Any]:
    """The Checkout Session for ``order``: its lines, the platform fee, the destination."""
    lines = list(OrderLine.objects.filter(order=order).select_related("ticket_type"))
    metadata = {
        "order_id": str(order.pk),
        "order_code": order.code,
        "organizer_id": str(order.organizer_id),
    }
    return {
        "mode": "payment",
        "line_items": _line_items(order, lines),
        "client_reference_id": str(order.pk),
        "customer_email": order.buyer_email,
        "metadata": metadata,
        "payment_intent_data": {
            "application_fee_amount": fee,
            "transfer_data": {"destination": account.stripe_account_id},
            "metadata": metadata,
            "description": f"Order {order.code}",
        },
        "expires_at": int(expires_at.timestamp()),
        "success_url": _order_link("payments:stripe_return", order),
        "cancel_url": _order_link("payments:stripe_cancel", order),
    }


def _ready_account(order: Order) -> StripeAccount:
    account = StripeAccount.objects.filter(organizer_id=order.organizer_id).first()
    if account is None or not account.charges_enabled:
        raise StripeAccountNotReady()
    return account


def stripe_checkout_start(*, order: Order, actor: Any = None) -> StripeCheckout:
    """Create a Checkout Session for the pending ``order`` and store it; return it (its ``url``
    attribute is the page to send the buyer to).

    One session per attempt, with an idempotency key per attempt: a retried call returns the
    same session. The order's earlier sessions still open on Stripe are expired first, so a
    buyer can never pay twice; if one of them was completed meanwhile, no new session is made:
    the returned checkout is that one (its ``url`` is our return page) and it is settled by the
    worker. An earlier session Stripe confirms closed without payment is marked ``expired`` at
    once, so it is never asked about again: each attempt costs at most one expire (and one
    retrieve) and one create, however many attempts came before. Raises
    ``StripeAccountNotReady``, ``StripeUnavailable`` or ``StripeRefused`` (nothing charged, the
    reservation stays).
    """
    now = clock.now()
    with tenancy.for_organizer(order.organizer_id):
        if order.status != OrderStatus.PENDING or order.total <= 0:
            raise PaymentProviderError("This order cannot be paid now.")
        account = _ready_account(order)
        previous = list(
            StripeCheckout.objects.filter(order=order, status__in=STILL_PAYABLE).order_by("attempt")
        )
    # Stripe calls: outside any transaction or lock
    completed = _close_previous(previous, order=order, actor=actor)
    if completed is not None:
        completed.url = _order_link("payments:stripe_return", order)  # type: ignore[attr-defined]
        return completed
    with tenancy.for_organizer(order.organizer_id):
        attempt = StripeCheckout.objects.filter(order=order).count() + 1
        fee = platform_fee(
            organizer=order.event.organizer, amount=order.total, currency=order.currency
        )
        expires_at = session_expiry(order, now)
        params = session_params(order=order, account=account, fee=fee, expires_at=expires_at)
    nonce = uuid.uuid4().hex
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            # One key per attempt, reused by the SDK's own retries of this call. The nonce makes
            # the buyer's next attempt a new request even if Stripe stored an error for this one.
            options={"idempotency_key": idempotency_key("checkout", order.pk, attempt, nonce)},
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="creating a Checkout Session") from error
    data = session.to_dict()
    checkout = _store(
        order=order,
        actor=actor,
        attempt=attempt,
        data=data,
        fee=fee,
        account=account,
        expires_at=expires_at,
    )
    checkout.url = str(data.get("url") or "")  # type: ignore[attr-defined]
    return checkout


def _close_previous(
    previous: list[StripeCheckout], *, order: Order, actor: Any
) -> StripeCheckout | None:
    """Expire the order's earlier sessions that may still be paid; return the first one the
    buyer already completed (its settlement is queued for the worker), else None. A session
    Stripe confirms expired is marked so here and now (``_mark_expired``)."""
    from blackcanyon.payments.tasks import settle_stripe_checkout

    for checkout in previous:
        if checkout.status == CheckoutStatus.PROCESSING:
            stripe_status = "complete"
        else:
            stripe_status = _expire(checkout)
        if stripe_status == "complete":
            # Paid (or an async payment under way): settle it — never a second session. Our
            # copy stays as it is: only settlement (the worker, which may read the charge)
            # moves a completed session, to paid, processing, failed or refund_pending.
            with transaction.atomic():
                settle_stripe_checkout.enqueue(session_id=checkout.session_id)
            return checkout
        if stripe_status == "expired":
            _mark_expired(checkout, order=order, actor=actor)
    return None


def _expire(checkout: StripeCheckout) -> str:
    """Expire an open session on Stripe; return Stripe's status of it afterwards (``expired``,
    or ``complete`` when the buyer finished paying first)."""
    client = stripe_client()
    try:
        client.v1.checkout.sessions.expire(
            checkout.session_id,
            options={"idempotency_key": idempotency_key("checkout_expire", checkout.session_id)},
        )
    except stripe.InvalidRequestError as refused:
        # Only open sessions can be expired: ask Stripe where this one stands.
        logger.info("Session %s not expired: %s", checkout.session_id, refused.code)
    except stripe.StripeError as error:
        raise translate_error(error, doing="expiring a Checkout Session") from error
    else:
        return "expired"
    try:
        session = client.v1.checkout.sessions.retrieve(checkout.session_id)
    except stripe.StripeError as error:
        raise translate_error(error, doing="retrieving a Checkout Session") from error
    return str(session.to_dict().get("status") or "")


def _mark_expired(checkout: StripeCheckout, *, order: Order, actor: Any) -> None:
    """Stripe confirmed the session is expired: our copy moves ``open`` → ``expired`` now, with
    the audit entry the webhook would write, so no later attempt asks Stripe about it again.

    Forward-only like every move of a checkout (``settle._MOVES_FROM``): one conditional UPDATE
    from ``open``, so a copy the webhook or the worker moved meanwhile (expired, processing,
    paid...) is left alone, and the ``checkout.session.expired`` webhook arriving later finds
    nothing to change.
    """
    now = clock.now()
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        moved = StripeCheckout.objects.filter(pk=checkout.pk, status=CheckoutStatus.OPEN).update(
            status=CheckoutStatus.EXPIRED, updated_at=now
        )
        if moved:
            audit.record(
                actor=actor,
                action="payments.stripe_checkout.expired",
                organizer=order.event.organizer,
                obj=order,
                data={"session_id": checkout.session_id, "reason": "new_attempt"},
            )


def stripe_checkout_settle(*, session_id: str) -> str:
    """Ask Stripe about one of our sessions (with its PaymentIntent) and settle it through
    ``settle.checkout_session_apply``; return the outcome. Worker role (task
    ``settle_stripe_checkout``), like the reconciler."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(
            session_id, params={"expand": ["payment_intent"]}
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="retrieving a Checkout Session") from error
    return checkout_session_apply(session=session.to_dict())


def _store(
    *,
    order: Order,
    actor: Any,
    attempt: int,
    data: dict[str, Any],
    fee: int,
    account: StripeAccount,
    expires_at: datetime,
) -> StripeCheckout:
    with tenancy.for_organizer(order.organizer_id):
        for number in range(attempt, attempt + STORE_TRIES):
            stored = _store_once(
                order=order,
                actor=actor,
                attempt=number,
                data=data,
                fee=fee,
                account=account,
                expires_at=expires_at,
            )
            if stored is not None:
                return stored
    raise PaymentProviderError()


def _store_once(
    *,
    order: Order,
    actor: Any,
    attempt: int,
    data: dict[str, Any],
    fee: int,
    account: StripeAccount,
    expires_at: datetime,
) -> StripeCheckout | None:
    """Store the session as attempt ``attempt``; None if a parallel attempt took that number."""
    try:
        with transaction.atomic():
            checkout = StripeCheckout.objects.create(
                organizer_id=order.organizer_id,
                order=order,
                attempt=attempt,
                session_id=str(data["id"]),
                status=CheckoutStatus.OPEN,
                amount=order.total,
                currency=order.currency,
                application_fee=fee,
                destination_account=account.stripe_account_id,
                session_expires_at=expires_at,
            )
            audit.record(
                actor=actor,
                action="payments.stripe_checkout.started",
                organizer=order.event.organizer,
                obj=order,
                data={"session_id": checkout.session_id, "attempt": attempt, "fee": fee},
            )
    except IntegrityError:
        # The same session stored by a parallel call, or another attempt took the number.
        return StripeCheckout.objects.filter(session_id=str(data["id"])).first()
    return checkout


class StripeProvider:
    """``PaymentProvider`` for Stripe Checkout (used when ``STRIPE_SECRET_KEY`` is set)."""

    name = NAME
    label = "Card"

    def start(self, *, order: Order, request: HttpRequest) -> str:
        actor = request.user if request.user.is_authenticated else None
        checkout = stripe_checkout_start(order=order, actor=actor)
        url: str = getattr(checkout, "url", "")
        if not url:
            raise PaymentProviderError()
        return url
