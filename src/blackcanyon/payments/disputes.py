"""Stripe's disputes of our payments: ``charge.dispute.created`` and ``charge.dispute.closed``.

Called by the webhook task (``stripe/webhooks.py``) in the worker; each is idempotent by the
dispute's id (a unique ``Dispute`` row and the ledger's keys) and tolerant of order and lateness.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from blackcanyon.core import audit, tenancy
from blackcanyon.ledger.disputes import (
    ledger_record_dispute,
    ledger_record_dispute_lost,
    ledger_record_dispute_won,
)
from blackcanyon.orders.models import Order
from blackcanyon.payments.models import Dispute
from blackcanyon.payments.money_events import (
    checkout_for_intent,
    ensure_ledger_payment,
    stripe_id,
    stripe_time,
)

# --- charge.dispute.created --------------------------------------------------------------------


def _dispute_fee(dispute: Mapping[str, Any]) -> int:
    """Stripe's dispute fee: the fees of the withdrawals (a won dispute's reinstatement, in a
    ``charge.dispute.closed``, is not counted: the ledger never returns the dispute fee)."""
    total = 0
    for transaction_ in dispute.get("balance_transactions") or []:
        if not isinstance(transaction_, Mapping) or not isinstance(transaction_.get("fee"), int):
            continue
        amount = transaction_.get("amount")
        if not isinstance(amount, int) or amount < 0:
            total += transaction_["fee"]
    return total


def dispute_created(*, dispute: Mapping[str, Any]) -> str:
    """``charge.dispute.created``: a Dispute row (once per Stripe dispute), an audit entry on the
    order (its page shows the flag) and the ledger's dispute entry — one transaction."""
    dispute_id = str(dispute.get("id") or "")
    checkout = checkout_for_intent(stripe_id(dispute.get("payment_intent")))
    amount = dispute.get("amount")
    if checkout is None or not dispute_id or not isinstance(amount, int) or amount < 1:
        return "unknown"
    ensure_ledger_payment(checkout, stripe_id(dispute.get("charge")))
    with tenancy.for_organizer(checkout.organizer_id), transaction.atomic():
        order = Order.objects.select_for_update().select_related("event__organizer")
        locked = order.get(pk=checkout.order_id)
        if Dispute.objects.filter(stripe_dispute_id=dispute_id).exists():
            return "unchanged"
        _dispute_open(locked, dispute)
    return "disputed"


def _dispute_open(order: Order, dispute: Mapping[str, Any]) -> Dispute:
    """The Dispute row, its audit entry and the ledger's dispute entry (money withdrawn), in the
    caller's transaction, which holds the order row."""
    dispute_id, amount = str(dispute["id"]), int(dispute["amount"])
    row = Dispute.objects.create(
        organizer_id=order.organizer_id,
        order=order,
        stripe_dispute_id=dispute_id,
        charge_id=stripe_id(dispute.get("charge")),
        amount=amount,
        fee=_dispute_fee(dispute),
        currency=str(dispute.get("currency") or order.currency).upper(),
        reason=str(dispute.get("reason") or "")[:64],
        status=str(dispute.get("status") or "")[:64],
        stripe_created=stripe_time(dispute.get("created")),
    )
    audit.record(
        actor=None,
        action="payments.dispute.created",
        organizer=order.event.organizer,
        obj=order,
        data={"dispute": dispute_id, "amount": amount, "reason": row.reason},
    )
    ledger_record_dispute(
        organizer=order.event.organizer,
        order_id=order.pk,
        amount=amount,
        fee=row.fee,
        currency=row.currency,
        occurred_at=row.stripe_created,
        key=f"stripe:{dispute_id}:dispute",
        stripe_ref=dispute_id,
    )
    return row


# --- charge.dispute.closed ---------------------------------------------------------------------

DISPUTE_OUTCOMES = {"won": ledger_record_dispute_won, "lost": ledger_record_dispute_lost}


def dispute_closed(*, dispute: Mapping[str, Any], event_created: datetime) -> str:
    """``charge.dispute.closed``: the dispute was ``won`` (the held amount comes back to the
    Stripe balance) or ``lost`` (the organizer bears it). The Dispute's status, an audit entry
    (``payments.dispute.won|lost``; the order page's flag shows the outcome) and the ledger's
    ``stripe:<du_…>:won|lost`` entry — one transaction, once. Order-independent: a "closed"
    that arrives before its "created" opens the dispute first (row and ledger), so the result
    is the same; the late "created" then changes nothing. Other closings (an inquiry's
    ``warning_closed``) only update the status of a dispute we hold."""
    dispute_id, status = str(dispute.get("id") or ""), str(dispute.get("status") or "")[:64]
    checkout = checkout_for_intent(stripe_id(dispute.get("payment_intent")))
    amount = dispute.get("amount")
    if checkout is None or not dispute_id or not isinstance(amount, int) or amount < 1:
        return "unknown"
    record = DISPUTE_OUTCOMES.get(status)
    ensure_ledger_payment(checkout, stripe_id(dispute.get("charge")))
    with tenancy.for_organizer(checkout.organizer_id), transaction.atomic():
        order = Order.objects.select_for_update().select_related("event__organizer")
        locked = order.get(pk=checkout.order_id)
        row = Dispute.objects.filter(stripe_dispute_id=dispute_id).first()
        if row is None and record is None:
            return "ignored"
        if row is None:
            row = _dispute_open(locked, dispute)
        elif row.status in DISPUTE_OUTCOMES and row.status != status:
            return "unchanged"  # an outcome is final: never both won and lost
        if row.status != status:
            row.status = status
            row.save(update_fields=["status", "updated_at"])
        if record is None:
            return "dispute_closed"
        recorded = record(
            organizer=locked.event.organizer,
            order_id=locked.pk,
            amount=row.amount,
            currency=row.currency,
            occurred_at=event_created,
            key=f"stripe:{dispute_id}:{status}",
            stripe_ref=dispute_id,
        )
        if not recorded.created:
            return "unchanged"
        audit.record(
            actor=None,
            action=f"payments.dispute.{status}",
            organizer=locked.event.organizer,
            obj=locked,
            data={"dispute": dispute_id, "amount": row.amount},
        )
    return f"dispute_{status}"
