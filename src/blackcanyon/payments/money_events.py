"""Stripe's money events after a payment: refunds made anywhere, disputes, payouts — and the
ledger's payment entry for a settled checkout.

Called by the webhook task (``stripe/webhooks.py``) in the worker; each is idempotent by the
Stripe object's id (a unique row or the ledger's key) and tolerant of order and lateness, so the
reconciler's retry of a failed event is safe. Stripe is asked (outside any transaction) only
for what an event does not carry: a charge's refunds, a payment's balance transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry, Line, Posting
from blackcanyon.ledger.services import (
    ledger_record_payment,
    ledger_record_payout,
    ledger_record_payout_failed,
    ledger_record_payout_paid,
    ledger_record_platform_payout,
    ledger_record_stripe_fee,
)
from blackcanyon.orders.models import Order
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.models import (
    CheckoutStatus,
    Refund,
    RefundStatus,
    StripeAccount,
    StripeCheckout,
)
from blackcanyon.payments.refunds import refund_from_stripe, refund_record_succeeded
from blackcanyon.payments.stripe.charges import (
    ChargeFacts,
    ConnectMoves,
    charge_facts,
    connect_moves_record,
    connect_sync,
)
from blackcanyon.payments.stripe.client import stripe_client, translate_error

logger = logging.getLogger(__name__)

STRIPE_REFUND_DONE = {"succeeded", "pending"}


def stripe_id(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def stripe_time(timestamp: Any) -> datetime:
    if isinstance(timestamp, int) and timestamp > 0:
        return datetime.fromtimestamp(timestamp, tz=UTC)
    return clock.now()


def checkout_for_intent(intent_id: str) -> StripeCheckout | None:
    """Our checkout that made this payment intent (worker: system context)."""
    if not intent_id:
        return None
    with tenancy.system_context():
        return StripeCheckout.objects.filter(payment_intent_id=intent_id).first()


# --- the payment's charge and Stripe fee (for stripe/settle.py) --------------------------------


def ledger_payment_record(
    *, checkout: StripeCheckout, organizer: Any, charge_id: str, stripe_fee: int | None,
    occurred_at: datetime, moves: ConnectMoves | None = None, gross: int | None = None,
) -> None:  # fmt: skip
    """The ledger's entry for a checkout's payment (key ``stripe:<charge>:payment``), once,
    with the charge's Connect moves when known (``moves``: the transfer to the organizer, the
    platform fee taken back, their reversals and refunds). In the caller's transaction and
    organizer context. ``gross``: the charge's amount when known from Stripe (a late payment's
    refunds), else the checkout's. Without Stripe's fee (not known yet) it is recorded as 0;
    recording again later changes nothing (same key, same gross)."""
    ledger_record_payment(
        organizer=organizer,
        order_id=checkout.order_id,
        gross=gross or checkout.amount,
        platform_fee=checkout.application_fee,
        stripe_fee=stripe_fee or 0,
        currency=checkout.currency,
        occurred_at=occurred_at,
        key=f"stripe:{charge_id}:payment",
        stripe_ref=charge_id,
    )
    if moves is not None:
        connect_moves_record(
            moves=moves, organizer=organizer, order_id=checkout.order_id,
            currency=checkout.currency,
        )  # fmt: skip


def ensure_ledger_payment(checkout: StripeCheckout, charge_id: str) -> None:
    """A refund or dispute of a payment the ledger missed (Stripe was unreachable when it
    settled): record the payment first, without Stripe's fee."""
    if not charge_id or checkout.status != "paid":
        return
    with tenancy.for_organizer(checkout.organizer_id), transaction.atomic():
        order = Order.objects.select_related("event__organizer").get(pk=checkout.order_id)
        ledger_payment_record(
            checkout=checkout, organizer=order.event.organizer, charge_id=charge_id,
            stripe_fee=None, occurred_at=checkout.settled_at or clock.now(),
        )  # fmt: skip


def ledger_payment_complete(*, checkout_id: int, organizer_id: int, now: datetime) -> str:
    """The reconciler's sweep of a settled checkout whose ledger is incomplete: asks Stripe for
    the payment's charge (outside any transaction), then books what is missing, once — the
    payment of a ``paid`` checkout (Stripe was unreachable at settlement: ``payment_booked``,
    with Stripe's fee and the Connect moves when known), Stripe's fee of a payment booked
    without it (``ledger_record_stripe_fee`` keyed ``stripe:<txn_…>:stripe_fee``, the charge as
    ``stripe_ref``: ``stripe_fee_booked``), and Connect moves not booked yet — the transfer, the
    platform fee, their reversals and refunds (``connect_booked``). ``fee_pending``: the balance
    transaction is still not there; ``unreachable``: Stripe could not be asked (the next run
    tries again). Several outcomes are joined with ``+``. The checkout's ``checked_at`` is set,
    so the caller can space out its questions."""
    with tenancy.for_organizer(organizer_id):
        checkout = StripeCheckout.objects.get(pk=checkout_id)
        StripeCheckout.objects.filter(pk=checkout_id).update(checked_at=now)
    facts = charge_facts(intent_id=checkout.payment_intent_id)
    if facts is None:
        return "unreachable"
    charge = facts.charge_id
    outcomes: list[str] = []
    with tenancy.for_organizer(organizer_id), transaction.atomic():
        payment = JournalEntry.objects.filter(kind=EntryKind.PAYMENT, stripe_ref=charge).first()
        if payment is None:
            if checkout.status != CheckoutStatus.PAID:
                return "unchanged"
            order = Order.objects.select_related("event__organizer").get(pk=checkout.order_id)
            ledger_payment_record(
                checkout=checkout, organizer=order.event.organizer, charge_id=charge,
                stripe_fee=facts.stripe_fee, occurred_at=checkout.settled_at or now,
                moves=facts.moves,
            )  # fmt: skip
            return "payment_booked"
        organizer = Organizer.objects.get(pk=organizer_id)
        if not _stripe_fee_booked(payment):
            outcomes.append(_book_stripe_fee(payment, facts, organizer, checkout.currency))
        booked = connect_moves_record(
            moves=facts.moves, organizer=organizer, order_id=checkout.order_id,
            currency=checkout.currency,
        )  # fmt: skip
        if booked:
            outcomes.append("connect_booked")
    return "+".join(outcomes) or "unchanged"


def _book_stripe_fee(
    payment: JournalEntry, facts: ChargeFacts, organizer: Organizer, currency: str
) -> str:
    """Stripe's fee of a payment booked without it (``ledger_record_stripe_fee`` keyed by the
    balance transaction, the charge as ``stripe_ref``), when Stripe reports it by now."""
    if not facts.stripe_fee or not facts.balance_transaction_id:
        return "fee_pending"
    ledger_record_stripe_fee(
        organizer=organizer,
        amount=facts.stripe_fee,
        currency=currency,
        occurred_at=payment.occurred_at,
        key=f"stripe:{facts.balance_transaction_id}:stripe_fee",
        stripe_ref=payment.stripe_ref,
    )
    return "stripe_fee_booked"


def _stripe_fee_booked(payment: JournalEntry) -> bool:
    """Stripe's fee of this payment is in the ledger: in the payment entry, or added later."""
    in_payment = Posting.objects.filter(entry=payment, line=Line.STRIPE_FEE).exists()
    return (
        in_payment
        or JournalEntry.objects.filter(
            kind=EntryKind.STRIPE_FEE, stripe_ref=payment.stripe_ref
        ).exists()
    )


# --- charge.refunded ---------------------------------------------------------------------------


def charge_refunds(*, charge: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The charge's refunds: from the event when it carries them (older API versions), else
    listed from Stripe (``GET /v1/refunds?charge=``, outside any transaction)."""
    refunds = charge.get("refunds")
    listed = isinstance(refunds, Mapping) and isinstance(refunds.get("data"), list)
    if listed and not refunds.get("has_more"):  # type: ignore[union-attr]
        return [r for r in refunds["data"] if isinstance(r, Mapping)]  # type: ignore[index]
    try:
        page = stripe_client().v1.refunds.list(params={"charge": stripe_id(charge), "limit": 100})
    except stripe.StripeError as error:
        raise translate_error(error, doing="listing a charge's refunds") from error
    return [r.to_dict() for r in page.data]


class PaymentNotSettledYet(Exception):
    """A refund of one of our payments arrived before the payment itself was settled here (its
    ``checkout.session.completed`` is still to come, or still being processed). The event is
    left unprocessed and the reconciler runs it again once the payment is settled: a refund is
    never lost, and never recorded against an order that is not paid yet."""


def _our_order_id(charge: Mapping[str, Any]) -> int | None:
    """The order a charge paid for, from our metadata on the charge or else on its
    PaymentIntent (asked from Stripe, outside any transaction)."""
    metadata = charge.get("metadata")
    value = metadata.get("order_id") if isinstance(metadata, Mapping) else None
    intent_id = stripe_id(charge.get("payment_intent"))
    if not value and intent_id:
        try:
            intent = stripe_client().v1.payment_intents.retrieve(intent_id).to_dict()
        except stripe.StripeError as error:
            raise translate_error(error, doing="retrieving a PaymentIntent") from error
        intent_metadata = intent.get("metadata")
        value = intent_metadata.get("order_id") if isinstance(intent_metadata, Mapping) else None
    text = str(value or "")
    return int(text) if text.isdigit() else None


def unsettled_checkout_of(charge: Mapping[str, Any]) -> StripeCheckout | None:
    """An open or processing checkout of the order a charge of ours paid for (``charge``: the
    charge, or just its ``id`` and ``payment_intent``): its payment is not settled here yet."""
    order_id = _our_order_id(charge)
    if order_id is None:
        return None
    with tenancy.system_context():
        return StripeCheckout.objects.filter(
            order_id=order_id, status__in=(CheckoutStatus.OPEN, CheckoutStatus.PROCESSING)
        ).first()


def charge_refunded(*, charge: Mapping[str, Any]) -> str:
    """``charge.refunded``: record each refund of the charge once (``PaymentNotSettledYet``
    when the payment itself is not settled here yet). A refund we asked for is
    confirmed (found by its id, or by our ``bct_refund_id`` in its metadata when our own record
    has not happened yet); one made in Stripe's dashboard becomes a Refund with its transition.
    Late-payment refunds (``stripe/settle.py``) are the checkout's own and are left alone; a
    late payment still waiting for its refund (``refund_pending``) whose charge is now refunded
    in full is settled with the charge's refunds (``_late_payment_refunded``)."""
    checkout = checkout_for_intent(stripe_id(charge.get("payment_intent")))
    if checkout is None:
        if unsettled_checkout_of(charge) is not None:
            raise PaymentNotSettledYet(stripe_id(charge))
        return "unknown"
    if checkout.status in (CheckoutStatus.OPEN, CheckoutStatus.PROCESSING):
        raise PaymentNotSettledYet(stripe_id(charge))
    if checkout.status == CheckoutStatus.REFUND_PENDING:
        return _late_payment_refunded(checkout, charge)
    ensure_ledger_payment(checkout, stripe_id(charge))
    outcomes = []
    for stripe_refund in charge_refunds(charge=charge):
        if stripe_refund.get("status") not in STRIPE_REFUND_DONE:
            continue
        outcomes.append(_one_refund(checkout, stripe_refund))
    recorded = [o for o in outcomes if o != "unchanged"]
    if recorded:  # the reversals and platform-fee refunds that came with them
        connect_sync(
            intent_id=checkout.payment_intent_id, organizer_id=checkout.organizer_id,
            order_id=checkout.order_id, currency=checkout.currency,
        )  # fmt: skip
    return recorded[0] if len(set(recorded)) == 1 else ("refunds" if recorded else "unchanged")


def _fully_refunded(charge: Mapping[str, Any]) -> bool:
    amount, refunded = charge.get("amount"), charge.get("amount_refunded")
    if charge.get("refunded") is True:
        return True
    return isinstance(amount, int) and isinstance(refunded, int) and 0 < amount <= refunded


def _late_payment_refunded(checkout: StripeCheckout, charge: Mapping[str, Any]) -> str:
    """A late payment waiting for its automatic refund whose charge Stripe reports refunded —
    staff refunded it in Stripe's dashboard before our refund went out, which Stripe would now
    refuse. Refunded in full: the charge's refunds settle the checkout (``settle.py``: checkout
    ``refunded``, the ledger's payment and refunds). Refunded in part: ``unchanged``; our refund
    (the reconciler sends it again) takes back the rest and records both."""
    # settle.py imports this module (the ledger's payment entry); imported here, when needed.
    from blackcanyon.payments.stripe import settle

    if not _fully_refunded(charge):
        return "unchanged"
    refunds = charge_refunds(charge=charge)
    with tenancy.for_organizer(checkout.organizer_id):
        return settle.late_refunds_record(checkout=checkout, refunds=refunds)


def _one_refund(checkout: StripeCheckout, stripe_refund: Mapping[str, Any]) -> str:
    stripe_id = str(stripe_refund.get("id") or "")
    if not stripe_id or stripe_id == checkout.refund_id:
        return "unchanged"
    metadata = stripe_refund.get("metadata")
    ours = str(metadata.get("bct_refund_id") or "") if isinstance(metadata, Mapping) else ""
    with tenancy.for_organizer(checkout.organizer_id):
        existing = Refund.objects.filter(stripe_refund_id=stripe_id).first()
        if existing is None and ours.isdigit():
            existing = Refund.objects.filter(pk=int(ours), order_id=checkout.order_id).first()
        if existing is not None:
            if existing.status == RefundStatus.SUCCEEDED:
                return "unchanged"
            refund_record_succeeded(
                refund_id=existing.pk,
                organizer_id=existing.organizer_id,
                stripe_refund_id=stripe_id,
            )
            return "refund_confirmed"
        if checkout.status != "paid":
            return "unchanged"  # a late payment's automatic refund (settle.py records it)
        order = Order.objects.get(pk=checkout.order_id)
        refund_from_stripe(order=order, stripe_refund=stripe_refund)
    return "refund_recorded"


# --- payout.created / .paid / .failed (Connect events of an organizer's account) ---------------


def payout_event(*, payout: Mapping[str, Any], account: str, event_type: str) -> str:
    """``payout.created`` / ``payout.paid`` / ``payout.failed`` of a connected account: the
    ledger's payout stages for its organizer — "in transit" (``stripe:<po_…>:payout``, booked by
    whichever of the three events comes first), then paid or failed — in any order of arrival,
    each once, so the final balances do not depend on the order."""
    with tenancy.system_context():
        organizer_id = (
            StripeAccount.objects.filter(stripe_account_id=account)
            .values_list("organizer_id", flat=True)
            .first()
        )
    payout_id = str(payout.get("id") or "")
    amount, currency = payout.get("amount"), str(payout.get("currency") or "")
    if not account and payout_id and isinstance(amount, int) and amount > 0:
        return _platform_payout(payout, payout_id, amount, currency, event_type)
    if organizer_id is None or not payout_id or not isinstance(amount, int) or amount < 1:
        return "unknown"
    created, arrival = stripe_time(payout.get("created")), stripe_time(payout.get("arrival_date"))
    suffix = event_type.removeprefix("payout.")
    stages = {"paid": ledger_record_payout_paid, "failed": ledger_record_payout_failed}
    with tenancy.for_organizer(organizer_id), transaction.atomic():
        organizer = Organizer.objects.get(pk=organizer_id)
        sent = ledger_record_payout(
            organizer=organizer, payout_id=payout_id, amount=amount, currency=currency,
            occurred_at=created, key=f"stripe:{payout_id}:payout",
        )  # fmt: skip
        stage = stages.get(suffix)
        if stage is None:  # payout.created: the "in transit" stage only
            recorded = sent
        else:
            recorded = stage(
                organizer=organizer, payout_id=payout_id, amount=amount, currency=currency,
                occurred_at=arrival, key=f"stripe:{payout_id}:{suffix}",
            )  # fmt: skip
        if recorded.created:
            audit.record(
                actor=None,
                action=f"payments.payout.{suffix}",
                organizer=organizer,
                data={"payout": payout_id, "amount": amount, "currency": currency.upper()},
            )
    return f"payout_{suffix}" if recorded.created else "unchanged"


def _platform_payout(
    payout: Mapping[str, Any], payout_id: str, amount: int, currency: str, event_type: str
) -> str:
    """The platform's own payout to its bank: out of ``platform:cash`` when created (whichever
    event comes first), back in when it failed — as Stripe's ``payout`` and ``payout_failure``
    balance transactions, so reconciliation matches them. Its arrival moves no money here."""
    created = stripe_time(payout.get("created"))
    with tenancy.system_context(), transaction.atomic():
        sent = ledger_record_platform_payout(
            payout_id=payout_id, amount=amount, currency=currency, occurred_at=created
        )
        recorded = sent
        if event_type == "payout.failed":
            recorded = ledger_record_platform_payout(
                payout_id=payout_id, amount=amount, currency=currency, occurred_at=clock.now(),
                failed=True,
            )  # fmt: skip
    suffix = event_type.removeprefix("payout.")
    return f"platform_payout_{suffix}" if recorded.created or sent.created else "unchanged"
