"""Refunds of paid orders: full, per ticket, or by amount — from the organizer's order page, and
from Stripe's dashboard (``money_events.charge_refunded``).

Stripe-paid orders, in three steps (DESIGN rule 6: pay — and refund — outside any lock):

1. ``refund_create`` locks the order row, checks the request against what is left to refund
   (never more than was paid: ``refund_exceeds_paid``) and stores a ``Refund`` as ``requested``
   with an audit entry; committed before Stripe is asked.
2. ``refund_send`` asks Stripe, outside any transaction, for a Refund on the payment intent with
   an idempotency key made from the Refund row's id: a retry (the page's "Try again", or a crash
   and a second try) sends the same key and Stripe answers with the same refund — never two.
3. ``refund_record_succeeded`` (also reached from a ``charge.refunded`` webhook, whichever comes
   first) marks it ``succeeded`` and, in the same transaction: the ledger's refund entry, the
   buyer's email (a task), then the domain transition (``order_refund_apply``: tickets cancelled
   and revoked, seats released last).

When an order is fully refunded is decided when a refund succeeds, from the money: once the
refunds that succeeded add up to what the order paid, the order becomes ``refunded`` (every
ticket left cancelled, its code's use given back) — whichever way the refunds were asked
(amounts, tickets, several staff at once, Stripe's dashboard). A refund still waiting for Stripe
counts only when it succeeds. (A free order is emptied by asking for all of it.)

A cancelled order that was paid keeps its money (cancelling refunds nothing): the organizer
refunds it afterwards, by amount or everything left — money only: its tickets were cancelled and
its seats released by the cancellation.

Orders paid outside Stripe (test provider, box office, offline, free): the same transition at
once, source ``outside``; the money goes back outside the platform (the page says so) and the
ledger records nothing (it holds Stripe money only).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.db import transaction
from django.db.models import Sum

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.core.errors import Conflict, ValidationFailed
from blackcanyon.core.money import Money
from blackcanyon.ledger.services import ledger_record_refund
from blackcanyon.notifications.services import email_enqueue
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.orders.services.lifecycle import order_refund_apply
from blackcanyon.payments.errors import StripeRefused
from blackcanyon.payments.models import Refund, RefundSource, RefundStatus, StripeCheckout
from blackcanyon.payments.refunds_selectors import RefundPlan, refund_plan
from blackcanyon.payments.stripe.charges import connect_sync
from blackcanyon.payments.stripe.client import idempotency_key, stripe_client, translate_error

logger = logging.getLogger(__name__)

# Stripe refund states that mean the money is going back (``pending``: some methods settle later).
STRIPE_REFUND_OK = {"succeeded", "pending", "requires_action"}
# Stripe keeps an idempotency key for 24 hours. A refund first asked longer ago than this may
# have been made without our hearing of it (a timeout, a lost webhook), and its key would no
# longer stop a second refund: such a refund is looked up on Stripe before it is asked again.
IDEMPOTENCY_SAFE = timedelta(hours=23)
REASON_MAX = 500


class RefundNotPossible(Conflict):
    code = "refund_not_possible"
    default_message = "Only a paid order, or a cancelled one that was paid, can be refunded."


class RefundExceedsPaid(ValidationFailed):
    code = "refund_exceeds_paid"
    default_message = "That is more than is left to refund on this order."


class RefundInvalid(ValidationFailed):
    code = "refund_invalid"
    default_message = "Choose what to refund: the whole order, some tickets, or an amount."


def refund_refusal(*, plan: RefundPlan) -> str | None:
    """Why the money of ``plan``'s order cannot be refunded now, or None when it can: a paid
    order, or a cancelled one with money left to refund (cancelling returns no money)."""
    order = plan.order
    if order.status == OrderStatus.PAID:
        return None
    if order.status == OrderStatus.CANCELLED and plan.paid > 0:
        if plan.refundable > 0:
            return None
        if plan.in_progress > 0:
            return "The refund of this order is waiting for Stripe: try it again on the order page."
        return "Everything this order paid has been refunded."
    return f"A {order.get_status_display().lower()} order cannot be refunded."


def _locked_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("event__organizer").get(pk=order.pk)


def _fee_back(checkout: StripeCheckout | None, amount: int, *, full: bool, given: int) -> int:
    """The platform fee given back with a refund: in proportion to the amount (half up), and
    the rest of it with the refund that empties the order (Stripe refunds the application fee
    in proportion too)."""
    if checkout is None or checkout.amount <= 0 or checkout.application_fee <= 0:
        return 0
    if full:
        return max(checkout.application_fee - given, 0)
    share = (checkout.application_fee * amount * 2 + checkout.amount) // (checkout.amount * 2)
    return min(share, checkout.application_fee - given, amount)


def _too_much(plan: RefundPlan, left: int) -> str:
    return f"That is more than is left to refund: at most {plan.money(left)}."


def _choose(
    plan: RefundPlan, *, ticket_ids: Sequence[int], amount: int | None, full: bool
) -> tuple[int, list[int], bool]:
    """(amount, ticket ids, full) for a request, or a coded refusal. ``full`` here says that
    everything was asked for (it empties a free order); for money, whether a refund empties the
    order is decided when it succeeds (``_succeed``)."""
    left = plan.refundable
    if full:
        return left, [t.ticket_id for t in plan.tickets], True
    if ticket_ids:
        prices = {t.ticket_id: t.price for t in plan.tickets}
        pending = {
            int(t) for r in plan.refunds if r.status == RefundStatus.REQUESTED for t in r.ticket_ids
        }
        chosen = sorted({int(t) for t in ticket_ids})
        if any(t not in prices or t in pending for t in chosen):
            raise RefundInvalid(
                "Some of those tickets are not valid tickets of this order any more.",
                fields={"tickets": ["Choose valid tickets of this order."]},
            )
        total = sum(prices[t] for t in chosen)
        if total > left:
            raise RefundExceedsPaid(fields={"tickets": [_too_much(plan, left)]})
        return total, chosen, len(chosen) == len(prices)
    if amount is None or amount < 1:
        raise RefundInvalid(fields={"amount": ["Enter an amount above zero."]})
    if amount > left:
        raise RefundExceedsPaid(fields={"amount": [_too_much(plan, left)]})
    return amount, [], amount == left


def refund_create(
    *,
    actor: Any,
    order: Order,
    ticket_ids: Sequence[int] = (),
    amount: int | None = None,
    full: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Refund:
    """Refund (part of) a paid order: ``full`` (everything left, every remaining ticket), the
    tickets ``ticket_ids`` (at their price), or ``amount`` minor units (≤ what is left). Once
    the money returned reaches what was paid the order becomes ``refunded`` (``_succeed``).
    A cancelled order that was paid is refunded by ``amount`` or ``full``, money only.

    Returns the Refund: ``succeeded``, or ``requested`` when Stripe could not be reached (retry
    with ``refund_send``). Raises ``RefundNotPossible`` (not paid, or nothing left on a
    cancelled order), ``RefundExceedsPaid``, ``RefundInvalid``, ``StripeUnavailable`` /
    ``StripeRefused`` (the refund is kept as requested / marked failed; nothing else changed).
    """
    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        locked = _locked_order(order)
        plan = refund_plan(order=locked)
        refusal = refund_refusal(plan=plan)
        if refusal is not None:
            raise RefundNotPossible(refusal)
        if locked.status == OrderStatus.CANCELLED and ticket_ids:
            raise RefundInvalid(
                "This order was cancelled: its tickets no longer admit. Refund an amount instead.",
                fields={"tickets": ["Refund an amount, or everything left to refund."]},
            )
        chosen_amount, chosen, is_full = _choose(
            plan, ticket_ids=ticket_ids, amount=amount, full=full
        )
        if plan.via_stripe and chosen_amount < 1:
            raise RefundExceedsPaid("Nothing is left to refund on this order.")
        refund = Refund.objects.create(
            organizer_id=locked.organizer_id,
            order=locked,
            source=RefundSource.ORGANIZER if plan.via_stripe else RefundSource.OUTSIDE,
            amount=chosen_amount,
            currency=locked.currency,
            ticket_ids=chosen,
            full=is_full,
            reason=str(reason or "")[:REASON_MAX],
            payment_intent_id=plan.checkout.payment_intent_id if plan.checkout else "",
        )
        audit.record(
            actor=actor,
            action="payments.refund.requested",
            organizer=locked.event.organizer,
            obj=locked,
            data={"refund_id": refund.pk, "amount": chosen_amount, "full": is_full},
        )
        if not plan.via_stripe:
            _succeed(refund, locked, actor=actor, stripe_refund_id=None, now=now)
            return refund
    return refund_send(refund=refund, actor=actor, now=now)


def refund_send(*, refund: Refund, actor: Any = None, now: datetime | None = None) -> Refund:
    """Ask Stripe for a ``requested`` refund (outside any transaction; the idempotency key is
    the Refund's, so sending again never refunds twice), then record the answer. A refund first
    asked more than ``IDEMPOTENCY_SAFE`` ago — past Stripe's 24 hours for keys — is first looked
    up among the payment's refunds by our ``bct_refund_id``, and recorded if Stripe made it."""
    if refund.status != RefundStatus.REQUESTED or not refund.payment_intent_id:
        return refund
    now = now or clock.now()
    if now - refund.created_at > IDEMPOTENCY_SAFE:
        made = _made_at_stripe(refund)
        if made is not None:
            return _record_answer(refund, made, actor=actor, now=now)
    params: dict[str, Any] = {
        "payment_intent": refund.payment_intent_id,
        "amount": refund.amount,
        # A destination charge: the organizer's account gives its share back, and the platform
        # fee goes back in proportion (the ledger books the same share).
        "reverse_transfer": True,
        "refund_application_fee": True,
        "reason": "requested_by_customer",
        "metadata": {"bct_refund_id": str(refund.pk), "order_id": str(refund.order_id)},
    }
    try:
        answer = stripe_client().v1.refunds.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key("order-refund", refund.pk)},
        )
    except stripe.StripeError as error:
        translated = translate_error(error, doing="refunding an order")
        if isinstance(translated, StripeRefused):
            refund_record_failed(refund=refund, message="Stripe refused the refund.")
        raise translated from error
    return _record_answer(refund, answer.to_dict(), actor=actor, now=now)


def _made_at_stripe(refund: Refund) -> dict[str, Any] | None:
    """The Stripe refund made for ``refund`` (our ``bct_refund_id`` in its metadata), listed
    from the payment's refunds, or None (outside any transaction)."""
    try:
        page = stripe_client().v1.refunds.list(
            params={"payment_intent": refund.payment_intent_id, "limit": 100}
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="looking for an earlier refund") from error
    for found in page.data:
        data = found.to_dict()
        metadata = data.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("bct_refund_id") == str(refund.pk):
            return data
    return None


def _record_answer(refund: Refund, data: Mapping[str, Any], *, actor: Any, now: datetime) -> Refund:
    """Record what Stripe says of the refund it made for ``refund``."""
    if data.get("status") not in STRIPE_REFUND_OK:
        return refund_record_failed(
            refund=refund,
            stripe_refund_id=str(data.get("id") or ""),
            message=f"Stripe: {data.get('failure_reason') or data.get('status')}",
        )
    recorded = refund_record_succeeded(
        refund_id=refund.pk,
        organizer_id=refund.organizer_id,
        stripe_refund_id=str(data["id"]),
        actor=actor,
        now=now,
    )
    # The organizer's share and the platform fee came back with it (ledger.connect).
    connect_sync(
        intent_id=refund.payment_intent_id, organizer_id=refund.organizer_id,
        order_id=refund.order_id, currency=refund.currency,
    )  # fmt: skip
    return recorded


def refund_record_succeeded(
    *,
    refund_id: int,
    organizer_id: int,
    stripe_refund_id: str,
    actor: Any = None,
    now: datetime | None = None,
) -> Refund:
    """Stripe refunded a Refund of ours (its answer, or ``charge.refunded``): record it once.
    A refund already recorded is returned unchanged."""
    now = now or clock.now()
    with tenancy.for_organizer(organizer_id), transaction.atomic():
        refund = Refund.objects.get(pk=refund_id)
        locked = _locked_order(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundStatus.SUCCEEDED:
            return refund
        _succeed(refund, locked, actor=actor, stripe_refund_id=stripe_refund_id, now=now)
    return refund


def refund_record_failed(
    *, refund: Refund, message: str, stripe_refund_id: str = "", now: datetime | None = None
) -> Refund:
    """Stripe refused or failed the refund: nothing changed on the order."""
    now = now or clock.now()
    with tenancy.for_organizer(refund.organizer_id), transaction.atomic():
        locked = Refund.objects.select_for_update().select_related("order__event__organizer")
        current = locked.get(pk=refund.pk)
        if current.status != RefundStatus.REQUESTED:
            return current
        current.status = RefundStatus.FAILED
        current.failure_message = message[:255]
        current.stripe_refund_id = stripe_refund_id or None
        current.settled_at = now
        current.save(update_fields=["status", "failure_message", "stripe_refund_id", "settled_at"])
        audit.record(
            actor=None,
            action="payments.refund.failed",
            organizer=current.order.event.organizer,
            obj=current.order,
            data={"refund_id": current.pk, "amount": current.amount, "message": message},
        )
    return current


def _succeed(
    refund: Refund,
    order: Order,
    *,
    actor: Any,
    stripe_refund_id: str | None,
    now: datetime,
    fee_back: bool = True,
) -> None:
    """Mark ``refund`` succeeded and apply it (ledger, email, tickets, seats) in the caller's
    transaction, which holds the order row. ``fee_back``: the platform gives its fee back in
    proportion (our refunds and late-payment refunds ask Stripe to).

    The refund is ``full`` — it empties the order — when the money returned so far (succeeded
    refunds, this one included) reaches what the order paid, however it was asked; a free order
    is emptied when everything was asked for. Refunds still waiting for Stripe do not count."""
    _mark_succeeded(refund, order, stripe_refund_id=stripe_refund_id, now=now, fee_back=fee_back)
    if stripe_refund_id and refund.amount > 0:
        ledger_record_refund(
            organizer=order.event.organizer,
            order_id=order.pk,
            amount=refund.amount,
            currency=refund.currency,
            occurred_at=now,
            key=f"stripe:{stripe_refund_id}:refund",
            platform_fee_refund=refund.platform_fee_refund,
            stripe_ref=stripe_refund_id,
        )
    _email_buyer(refund, order)
    data = {"refund_id": refund.pk, "source": refund.source, "stripe_refund": stripe_refund_id}
    if order.status == OrderStatus.PAID:
        order_refund_apply(
            actor=actor,
            order=order,
            amount=refund.amount,
            ticket_ids=refund.ticket_ids,
            full=refund.full,
            data=data,
            now=now,
        )  # last: it releases seats (counter locks until COMMIT)
    else:  # money back for an order closed already (cancelled, or emptied): record it only
        audit.record(
            actor=actor, action="payments.refund.recorded", organizer=order.event.organizer,
            obj=order, data={**data, "amount": refund.amount},
        )  # fmt: skip


def _mark_succeeded(
    refund: Refund, order: Order, *, stripe_refund_id: str | None, now: datetime, fee_back: bool
) -> None:
    """Save ``refund`` as succeeded: whether it empties the order (the money returned reaches
    what was paid) and the platform fee it gives back."""
    checkout = None
    if stripe_refund_id:
        checkout = StripeCheckout.objects.filter(
            order=order, payment_intent_id=refund.payment_intent_id
        ).first()
    so_far = Refund.objects.filter(order=order, status=RefundStatus.SUCCEEDED).aggregate(
        returned=Sum("amount", default=0), given=Sum("platform_fee_refund", default=0)
    )
    given = so_far["given"]
    paid = order.total if order.paid_at else 0
    if paid > 0:
        refund.full = so_far["returned"] + refund.amount >= paid
    refund.platform_fee_refund = (
        _fee_back(checkout, refund.amount, full=refund.full, given=given) if fee_back else 0
    )
    refund.status = RefundStatus.SUCCEEDED
    refund.stripe_refund_id = stripe_refund_id
    refund.settled_at = now
    refund.save(
        update_fields=["status", "stripe_refund_id", "settled_at", "platform_fee_refund", "full"]
    )


def _email_buyer(refund: Refund, order: Order) -> None:
    if not order.buyer_email:
        return
    email_enqueue(
        to=order.buyer_email,
        template="order_refunded",
        context={
            "buyer_name": order.buyer_name,
            "order_code": order.code,
            "event_title": order.event.title,
            "organizer_name": order.event.organizer.name,
            "amount": Money(refund.amount, refund.currency).format(),
            "full": refund.full,
            "tickets_cancelled": len(refund.ticket_ids) if not refund.full else 0,
            # its tickets were cancelled with the order: none "still admit you"
            "order_cancelled": order.status == OrderStatus.CANCELLED,
            "outside": refund.source == RefundSource.OUTSIDE,
            "free": refund.amount == 0,
        },
    )


def refund_from_stripe(
    *, order: Order, stripe_refund: Mapping[str, Any], now: datetime | None = None
) -> Refund:
    """A refund made outside our pages (Stripe's dashboard): record it once (unique Stripe
    refund id) and apply it — when the money returned reaches what was paid the order is
    emptied, otherwise the amount only (no ticket is cancelled: the dashboard does not say
    which; a refund of ours still waiting for Stripe is not money returned). Caller: organizer
    context.
    """
    now = now or clock.now()
    stripe_id = str(stripe_refund["id"])
    with transaction.atomic():
        locked = _locked_order(order)
        existing = Refund.objects.filter(stripe_refund_id=stripe_id).first()
        if existing is not None:
            return existing
        amount = int(stripe_refund.get("amount") or 0)
        refund = Refund.objects.create(
            organizer_id=locked.organizer_id,
            order=locked,
            source=RefundSource.STRIPE_DASHBOARD,
            amount=amount,
            currency=str(stripe_refund.get("currency") or locked.currency).upper(),
            full=False,  # decided by the money returned when it succeeds (``_succeed``)
            reason=str(stripe_refund.get("reason") or "")[:REASON_MAX],
            payment_intent_id=str(stripe_refund.get("payment_intent") or ""),
        )
        audit.record(
            actor=None,
            action="payments.refund.dashboard",
            organizer=locked.event.organizer,
            obj=locked,
            data={"refund_id": refund.pk, "stripe_refund": stripe_id, "amount": amount},
        )
        # A dashboard refund gives the platform fee back only along with the organizer's share
        # (the transfer reversed); otherwise the platform paid it and keeps its fee.
        fee_back = bool(stripe_refund.get("transfer_reversal"))
        _succeed(refund, locked, actor=None, stripe_refund_id=stripe_id, now=now, fee_back=fee_back)
    return refund
