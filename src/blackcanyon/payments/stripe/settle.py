"""Settling Stripe Checkout Sessions: every successful payment ends as exactly one paid order or
one refund.

``checkout_session_apply`` is the one entry point for what Stripe says about a session — the
webhook task and the reconciler both call it with a session object — and it is idempotent and
order-tolerant: a checkout moves forward only (open → processing → paid / refund_pending →
refunded; open → expired / failed) and a settled one never changes again.

* Paid: the order is confirmed (``orders.services.order_confirm_payment``: tickets issued,
  confirmation queued) in the same transaction that marks the checkout paid, so a crash leaves
  neither. A payment after the reservation expired takes its seats again if they are free.
* No seats left, the order paid another way or closed, or a wrong amount: the checkout becomes
  ``refund_pending`` (committed first), the refund is sent to Stripe outside any transaction with
  an idempotency key, then recorded with an audit entry and an email to the buyer. A crash
  between the two leaves ``refund_pending``, which the reconciler finishes with the same key.
* A charge refunded at Stripe before our refund went out (staff in Stripe's dashboard): its
  refunds settle the checkout (``late_refunds_record``, from ``charge.refunded`` or from Stripe's
  ``charge_already_refunded`` answer), so it never waits on a refund Stripe will not make. A
  disputed charge cannot be refunded: it stays ``refund_pending`` for staff, loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.core.errors import ValidationFailed
from blackcanyon.core.models import AuditLog
from blackcanyon.core.money import Money
from blackcanyon.ledger.services import ledger_record_refund
from blackcanyon.notifications.services import email_enqueue
from blackcanyon.orders import errors as order_errors
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Order, PaymentAttempt
from blackcanyon.payments import money_events
from blackcanyon.payments.models import (
    SETTLED_CHECKOUT_STATUSES,
    CheckoutStatus,
    StripeCheckout,
)
from blackcanyon.payments.stripe import charges
from blackcanyon.payments.stripe.client import idempotency_key, stripe_client, translate_error

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
PAID_STATUSES = {"paid", "no_payment_required"}
# A PaymentIntent in these states after the session completed: the (async) payment failed.
FAILED_INTENT_STATUSES = {"requires_payment_method", "canceled"}
REFUND_REASONS = {
    "no_capacity": "the tickets sold out after your reservation expired",
    "already_paid": "this order had already been paid",
    "order_closed": "this order had been cancelled",
    "amount_mismatch": "the amount paid did not match the order",
}


def _intent_id(session: Mapping[str, Any]) -> str:
    intent = session.get("payment_intent")
    if isinstance(intent, Mapping):
        return str(intent.get("id") or "")
    return str(intent or "")


def _intent_failed(session: Mapping[str, Any]) -> bool:
    intent = session.get("payment_intent")
    return isinstance(intent, Mapping) and intent.get("status") in FAILED_INTENT_STATUSES


def checkout_organizer_id(*, session_id: str) -> int | None:
    """The organizer of a stored session (None: not ours). Worker role, system context."""
    with tenancy.system_context():
        return (
            StripeCheckout.objects.filter(session_id=session_id)
            .values_list("organizer_id", flat=True)
            .first()
        )


def checkout_session_apply(
    *, session: Mapping[str, Any], event_type: str = "", now: datetime | None = None
) -> str:
    """Apply what Stripe says about a Checkout Session (``session`` is the session object, from
    an event's ``data.object`` or a fresh retrieve); return the outcome: ``paid``, ``refunded``,
    ``processing``, ``expired``, ``failed``, ``unchanged`` or ``unknown`` (not our session).

    Raises ``StripeUnavailable`` / ``StripeRefused`` when a needed refund could not be sent (the
    checkout stays ``refund_pending``; the reconciler retries). A charge already refunded at
    Stripe ends ``refunded`` with those refunds; a disputed one ends ``refund_blocked`` (see
    ``refund_send``).
    """
    now = now or clock.now()
    organizer_id = checkout_organizer_id(session_id=str(session.get("id") or ""))
    if organizer_id is None:
        return "unknown"
    with tenancy.for_organizer(organizer_id):
        checkout = StripeCheckout.objects.get(session_id=str(session["id"]))
        if checkout.status == CheckoutStatus.REFUND_PENDING:
            return refund_send(checkout=checkout, now=now)
        if checkout.status in SETTLED_CHECKOUT_STATUSES:
            return "unchanged"
        status, payment_status = session.get("status"), session.get("payment_status")
        if status == "complete" and payment_status in PAID_STATUSES:
            # Outside any transaction: the charge and Stripe's fee for the ledger.
            facts = charges.charge_facts(intent_id=_intent_id(session))
            return _settle_paid(checkout=checkout, session=session, now=now, facts=facts)
        failed = event_type == "checkout.session.async_payment_failed" or _intent_failed(session)
        if status == "complete" and failed:
            return _move(checkout, CheckoutStatus.FAILED, session=session, now=now)
        if status == "complete":
            return _move(checkout, CheckoutStatus.PROCESSING, session=session, now=now)
        if status == "expired":
            return _move(checkout, CheckoutStatus.EXPIRED, session=session, now=now)
        return "unchanged"


# Forward-only moves of an unsettled checkout that do not pay it.
_MOVES_FROM: dict[str, set[str]] = {
    CheckoutStatus.PROCESSING: {CheckoutStatus.OPEN},
    CheckoutStatus.FAILED: {CheckoutStatus.OPEN, CheckoutStatus.PROCESSING},
    CheckoutStatus.EXPIRED: {CheckoutStatus.OPEN},
}


def _move(checkout: StripeCheckout, to: str, *, session: Mapping[str, Any], now: datetime) -> str:
    with transaction.atomic():
        locked = StripeCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status not in _MOVES_FROM[to]:
            return "unchanged"
        intent = _intent_id(session) or locked.payment_intent_id
        StripeCheckout.objects.filter(pk=locked.pk).update(
            status=to, payment_intent_id=intent, updated_at=now
        )
        order = Order.objects.select_related("event__organizer").get(pk=locked.order_id)
        audit.record(
            actor=None,
            action=f"payments.stripe_checkout.{to}",
            organizer=order.event.organizer,
            obj=order,
            data={"session_id": locked.session_id},
        )
        if to == CheckoutStatus.FAILED:
            order_services.payment_record_declined(
                order=order,
                provider=PROVIDER,
                reference=intent or locked.session_id,
                message="The payment failed at Stripe.",
            )
    return str(to)


def _settle_paid(
    *,
    checkout: StripeCheckout,
    session: Mapping[str, Any],
    now: datetime,
    facts: charges.ChargeFacts | None = None,
) -> str:
    intent = _intent_id(session)
    amount = session.get("amount_total")
    try:
        with transaction.atomic():
            locked = StripeCheckout.objects.select_for_update().get(pk=checkout.pk)
            if locked.status in SETTLED_CHECKOUT_STATUSES:
                return "unchanged"
            if locked.status == CheckoutStatus.REFUND_PENDING:
                raise _AlreadyRefunding()
            if not isinstance(amount, int) or amount != locked.amount:
                raise ValidationFailed("The amount paid does not match the order total.")
            # The checkout row first: the order's confirmation ends by taking seats, which must
            # be the last statements before COMMIT (DESIGN rule 3).
            StripeCheckout.objects.filter(pk=locked.pk).update(
                status=CheckoutStatus.PAID, payment_intent_id=intent, settled_at=now, updated_at=now
            )
            order = Order.objects.select_related("event__organizer").get(pk=locked.order_id)
            audit.record(
                actor=None,
                action="payments.stripe_checkout.paid",
                organizer=order.event.organizer,
                obj=order,
                data={"session_id": locked.session_id, "payment_intent": intent},
            )
            if facts is not None:  # else recorded by the first refund or dispute of the charge
                money_events.ledger_payment_record(
                    checkout=locked, organizer=order.event.organizer, charge_id=facts.charge_id,
                    stripe_fee=facts.stripe_fee, occurred_at=now, moves=facts.moves,
                )  # fmt: skip
            order_services.order_confirm_payment(
                order=order,
                provider=PROVIDER,
                reference=intent or locked.session_id,
                amount=locked.amount,
                now=now,
            )
    except _AlreadyRefunding:
        return refund_send(checkout=checkout, now=now)
    except order_errors.ReservationExpired:
        return _refund_for(checkout, reason="no_capacity", intent=intent, now=now)
    except order_errors.OrderStateConflict:
        return _refund_for(checkout, reason=_closed_reason(checkout), intent=intent, now=now)
    except ValidationFailed:
        return _refund_for(checkout, reason="amount_mismatch", intent=intent, now=now)
    return "paid"


class _AlreadyRefunding(Exception):
    pass


def _closed_reason(checkout: StripeCheckout) -> str:
    status = Order.objects.filter(pk=checkout.order_id).values_list("status", flat=True).first()
    return "already_paid" if status == "paid" else "order_closed"


def _refund_for(checkout: StripeCheckout, *, reason: str, intent: str, now: datetime) -> str:
    """The payment cannot become a paid order: record that it must go back (committed before
    the Stripe call), then send the refund."""
    with transaction.atomic():
        locked = StripeCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status in SETTLED_CHECKOUT_STATUSES:
            return "unchanged"
        if locked.status != CheckoutStatus.REFUND_PENDING:
            StripeCheckout.objects.filter(pk=locked.pk).update(
                status=CheckoutStatus.REFUND_PENDING,
                payment_intent_id=intent or locked.payment_intent_id,
                refund_reason=reason,
                updated_at=now,
            )
            order = Order.objects.select_related("event__organizer").get(pk=locked.order_id)
            audit.record(
                actor=None,
                action="payments.stripe_checkout.refund_needed",
                organizer=order.event.organizer,
                obj=order,
                data={"session_id": locked.session_id, "reason": reason},
            )
    checkout.refresh_from_db()
    return refund_send(checkout=checkout, now=now)


def refund_send(*, checkout: StripeCheckout, now: datetime | None = None) -> str:
    """Send the refund of a ``refund_pending`` checkout to Stripe (idempotency key per session,
    so a retry after a crash never refunds twice), then record it and email the buyer.

    Stripe's refusals that are answers, not failures: ``charge_already_refunded`` (refunded in
    Stripe's dashboard meanwhile) → the charge's refunds are read and recorded as the checkout's
    (``refunded``); ``charge_disputed`` → nothing can be refunded until the dispute ends:
    ``refund_blocked``, left ``refund_pending`` for staff with an audit entry and an error in the
    log (the reconciler asks again on its passes). Other refusals raise ``StripeRefused``, an
    unreachable Stripe ``StripeUnavailable`` (the checkout stays ``refund_pending``)."""
    now = now or clock.now()
    if not checkout.payment_intent_id:
        raise ValueError(f"Checkout {checkout.session_id} has no payment to refund")
    params: dict[str, Any] = {
        "payment_intent": checkout.payment_intent_id,
        # A destination charge: take the money back from the organizer's account and give the
        # platform fee back too, so the buyer gets everything.
        "reverse_transfer": True,
        "refund_application_fee": True,
        "metadata": {"order_id": str(checkout.order_id), "reason": checkout.refund_reason},
    }
    if checkout.refund_reason == "already_paid":
        params["reason"] = "duplicate"
    try:
        refund = stripe_client().v1.refunds.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key("refund", checkout.session_id)},
        )
    except stripe.StripeError as error:
        if error.code == "charge_already_refunded":
            logger.info(
                "Checkout %s: Stripe says its charge is refunded already (request %s); recording"
                " the charge's refunds",
                checkout.session_id,
                error.request_id,
            )
            return late_refunds_record(
                checkout=checkout, refunds=_intent_refunds(checkout.payment_intent_id), now=now
            )
        if error.code == "charge_disputed":
            return _refund_blocked(checkout)
        raise translate_error(error, doing="refunding a late payment") from error
    answer = refund.to_dict()
    if not isinstance(answer.get("amount"), int) or answer["amount"] >= checkout.amount:
        found = [_late_refund(answer, checkout, ours=True)]
    else:  # part was refunded before (Stripe's dashboard): Stripe refunded what was left
        charge_id = money_events.stripe_id(answer.get("charge"))
        found = [
            r
            for r in _covering(checkout, _refunds_of_charge(charge_id))
            if r.refund_id != answer.get("id")
        ]
        found.append(_late_refund(answer, checkout, ours=True))
    return _settle_refunded(checkout, found, now=now)


@dataclass(frozen=True, slots=True)
class LateRefund:
    """One Stripe refund of a late payment's charge."""

    refund_id: str
    amount: int
    charge_id: str
    created: int
    #: The platform gives its fee back with it: ours ask Stripe to; a dashboard refund does
    #: only along with the organizer's share (the transfer reversed).
    fee_back: bool


def _late_refund(refund: Mapping[str, Any], checkout: StripeCheckout, *, ours: bool) -> LateRefund:
    amount, created = refund.get("amount"), refund.get("created")
    metadata = refund.get("metadata")
    ours = ours or (
        isinstance(metadata, Mapping) and metadata.get("order_id") == str(checkout.order_id)
    )
    return LateRefund(
        refund_id=str(refund.get("id") or ""),
        amount=amount if isinstance(amount, int) else checkout.amount,
        charge_id=money_events.stripe_id(refund.get("charge")),
        created=created if isinstance(created, int) else 0,
        fee_back=ours or bool(refund.get("transfer_reversal")),
    )


def _covering(checkout: StripeCheckout, refunds: Sequence[Mapping[str, Any]]) -> list[LateRefund]:
    """The charge's refunds that moved money back (succeeded or pending), oldest first."""
    done = [
        _late_refund(r, checkout, ours=False)
        for r in refunds
        if r.get("status") in money_events.STRIPE_REFUND_DONE and r.get("id")
    ]
    return sorted(done, key=lambda r: r.created)


def _refunds_of_charge(charge_id: str) -> list[Mapping[str, Any]]:
    """The refunds of a charge, listed from Stripe (outside any transaction)."""
    if not charge_id:
        return []
    return money_events.charge_refunds(charge={"id": charge_id})


def _intent_refunds(intent_id: str) -> list[Mapping[str, Any]]:
    """The refunds of a payment intent's charge: the intent's charge, then its refunds, read
    from Stripe (outside any transaction)."""
    try:
        intent = stripe_client().v1.payment_intents.retrieve(intent_id).to_dict()
    except stripe.StripeError as error:
        raise translate_error(error, doing="reading a refunded late payment") from error
    return _refunds_of_charge(money_events.stripe_id(intent.get("latest_charge")))


def late_refunds_record(
    *, checkout: StripeCheckout, refunds: Sequence[Mapping[str, Any]], now: datetime | None = None
) -> str:
    """A ``refund_pending`` checkout whose charge Stripe has refunded in full (``refunds``: the
    charge's refunds as Stripe lists them — made in Stripe's dashboard, or ours): record them as
    the checkout's refund (``refunded``, the ledger's payment and one refund entry each, the
    declined attempt, audit, the buyer's email) instead of asking Stripe for a refund it would
    refuse. ``unchanged`` when none moved money or the checkout is settled already."""
    found = _covering(checkout, refunds)
    if not found:
        logger.warning(
            "Checkout %s: Stripe says its charge is refunded but lists no refund", checkout.pk
        )
        return "unchanged"
    return _settle_refunded(checkout, found, now=now or clock.now())


def _settle_refunded(checkout: StripeCheckout, refunds: list[LateRefund], *, now: datetime) -> str:
    outcome = _record_refund(checkout=checkout, refunds=refunds, now=now)
    if outcome != "unchanged":  # the transfer and its reversal, the platform fee and its refund
        charges.connect_sync(
            intent_id=checkout.payment_intent_id, organizer_id=checkout.organizer_id,
            order_id=checkout.order_id, currency=checkout.currency,
        )  # fmt: skip
    return outcome


REFUND_BLOCKED = "payments.stripe_checkout.refund_blocked"


def _refund_blocked(checkout: StripeCheckout) -> str:
    """Stripe refuses to refund a disputed charge: the money goes back only through the dispute
    (or once it is won). Left ``refund_pending`` for staff — an audit entry on the order and an
    error in the log the first time, a warning at each later try — never a silent retry loop."""
    with transaction.atomic():
        locked = StripeCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != CheckoutStatus.REFUND_PENDING:
            return "unchanged"
        order = Order.objects.select_related("event__organizer").get(pk=locked.order_id)
        earlier = AuditLog.objects.filter(
            organizer_id=order.organizer_id,
            object_type=Order._meta.label_lower,
            object_id=str(order.pk),
            action=REFUND_BLOCKED,
        ).values_list("data", flat=True)
        first = not any(d.get("session_id") == locked.session_id for d in earlier)
        if first:
            audit.record(
                actor=None,
                action=REFUND_BLOCKED,
                organizer=order.event.organizer,
                obj=order,
                data={"session_id": locked.session_id, "reason": "charge_disputed"},
            )
    log = logger.error if first else logger.warning
    log(
        "Late payment %s of order %s cannot be refunded: the buyer disputed the charge, so"
        " Stripe refuses the refund. Left refund_pending for platform staff: answer the dispute"
        " in Stripe's dashboard (docs/payments.md, 'Late payments').",
        checkout.payment_intent_id,
        order.code,
    )
    return "refund_blocked"


def _fee_shares(checkout: StripeCheckout, refunds: list[LateRefund]) -> list[int]:
    """The platform fee given back with each refund: in proportion to its amount (half up),
    and all of it when every refund gives it back (the last one takes the rounding)."""
    fee, gross = checkout.application_fee, sum(r.amount for r in refunds)
    if fee <= 0 or gross <= 0:
        return [0 for _ in refunds]
    shares = [(fee * r.amount * 2 + gross) // (gross * 2) if r.fee_back else 0 for r in refunds]
    if all(r.fee_back for r in refunds):
        shares[-1] = fee - sum(shares[:-1])
    return [max(0, min(share, r.amount)) for share, r in zip(shares, refunds, strict=True)]


def _ledger_late_payment(
    checkout: StripeCheckout, order: Order, *, refunds: list[LateRefund], now: datetime
) -> str:
    """The money of a payment that could not become an order came in and went back: both
    movements in the ledger (the payment at what Stripe refunded of the charge, its platform
    fee returned with the refunds that give it back; Stripe keeps its own fee, not known here
    and booked as 0), so reconciliation finds the charge and each refund. Returns the charge."""
    charge_id = next((r.charge_id for r in refunds if r.charge_id), "")
    if not charge_id:
        return ""
    money_events.ledger_payment_record(
        checkout=checkout, organizer=order.event.organizer, charge_id=charge_id,
        stripe_fee=None, occurred_at=now, gross=sum(r.amount for r in refunds) or None,
    )  # fmt: skip
    for refund, fee_back in zip(refunds, _fee_shares(checkout, refunds), strict=True):
        if refund.amount < 1:
            continue
        ledger_record_refund(
            organizer=order.event.organizer,
            order_id=order.pk,
            amount=refund.amount,
            currency=checkout.currency,
            occurred_at=now,
            key=f"stripe:{refund.refund_id}:refund",
            platform_fee_refund=fee_back,
            stripe_ref=refund.refund_id,
        )
    return charge_id


def _record_refund(*, checkout: StripeCheckout, refunds: list[LateRefund], now: datetime) -> str:
    """The checkout ``refunded`` by ``refunds`` (the last one is the checkout's ``refund_id``),
    in one transaction with the ledger, the declined attempt, the audit entry (naming the
    charge: the order's fee section leaves it out) and the buyer's email."""
    refund_id = refunds[-1].refund_id
    with transaction.atomic():
        locked = StripeCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != CheckoutStatus.REFUND_PENDING:
            return "unchanged"
        StripeCheckout.objects.filter(pk=locked.pk).update(
            status=CheckoutStatus.REFUNDED, refund_id=refund_id, settled_at=now, updated_at=now
        )
        order = Order.objects.select_related("event__organizer").get(pk=locked.order_id)
        charge_id = _ledger_late_payment(locked, order, refunds=refunds, now=now)
        PaymentAttempt.objects.create(
            organizer_id=order.organizer_id,
            order=order,
            provider=PROVIDER,
            result=PaymentAttempt.Result.DECLINED,
            amount=locked.amount,
            currency=locked.currency,
            reference=locked.payment_intent_id,
            message=f"Paid, then refunded automatically: {locked.refund_reason}.",
        )
        audit.record(
            actor=None,
            action="payments.stripe_checkout.refunded",
            organizer=order.event.organizer,
            obj=order,
            data={
                "session_id": locked.session_id,
                "refund_id": refund_id,
                "refunds": [r.refund_id for r in refunds],
                "charge": charge_id,
                "amount": locked.amount,
                "currency": locked.currency,
                "reason": locked.refund_reason,
            },
        )
        if order.buyer_email:
            email_enqueue(
                to=order.buyer_email,
                template="payment_refunded",
                context={
                    "buyer_name": order.buyer_name,
                    "order_code": order.code,
                    "event_title": order.event.title,
                    "organizer_name": order.event.organizer.name,
                    "amount": Money(locked.amount, locked.currency).format(),
                    "reason": REFUND_REASONS.get(
                        locked.refund_reason, "the order could not be completed"
                    ),
                },
            )
    logger.info(
        "Refunded checkout %s (%s): %s", checkout.session_id, refund_id, checkout.refund_reason
    )
    return "refunded"


def payment_intent_failed(*, intent: Mapping[str, Any], event_id: str) -> str:
    """``payment_intent.payment_failed``: record the declined try on the order (the buyer is
    still on Stripe's page and may try another card). Once per event."""
    metadata = intent.get("metadata") if isinstance(intent.get("metadata"), Mapping) else {}
    try:
        order_id = int(str(metadata.get("order_id")))  # type: ignore[union-attr]
        organizer_id = int(str(metadata.get("organizer_id")))  # type: ignore[union-attr]
    except ValueError:
        return "unknown"
    reference = f"{intent.get('id')}/{event_id}"[:128]
    with tenancy.for_organizer(organizer_id):
        order = Order.objects.filter(pk=order_id, organizer_id=organizer_id).first()
        if order is None:
            return "unknown"
        if PaymentAttempt.objects.filter(order=order, reference=reference).exists():
            return "unchanged"
        error = intent.get("last_payment_error")
        message = str(error.get("message") or "") if isinstance(error, Mapping) else ""
        order_services.payment_record_declined(
            order=order,
            provider=PROVIDER,
            reference=reference,
            message=message or "The payment failed at Stripe.",
        )
    return "declined"
