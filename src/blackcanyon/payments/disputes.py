"""Stripe's disputes of our payments: every ``charge.dispute.*`` event applies the dispute as it
shows it (``dispute_apply``).

Each event carries the whole dispute as it is then: its status and its balance transactions (a
withdrawal — amount < 0, Stripe's dispute fee as its fee — and, once won, a reinstatement —
amount > 0, a negative fee when Stripe gives the fee back). So every event is handled the same
way: keep the ``Dispute`` row and book in the ledger what the object shows and is not booked
yet. The row's status only moves forward (an outcome is final) and its money fields only grow;
the ledger books each stage once (its keys and the ``Dispute`` row's lock on the order). Hence
any order of arrival, duplicates and stale events end in the same row and the same ledger.

* An **inquiry** (``warning_needs_response`` / ``warning_under_review``, no balance
  transaction) withdraws nothing: a ``Dispute`` row, its audit entry, the order page's flag
  ("inquiry, no money withdrawn") and no ledger entry.
* A **withdrawal** → the ledger's ``dispute`` entry (amount and Stripe's fee, as withdrawn).
* A **reinstatement** → ``dispute_won`` (the amount back in cash, and the fee when returned).
* Status ``lost`` with money withdrawn → ``dispute_lost`` (the organizer bears it; no cash moves).
  Won and lost are exclusive: the first outcome booked stays.

Called by the webhook task (``stripe/webhooks.py``) in the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from blackcanyon.core import audit, tenancy
from blackcanyon.ledger.disputes import (
    ledger_record_dispute,
    ledger_record_dispute_lost,
    ledger_record_dispute_won,
)
from blackcanyon.ledger.models import EntryKind
from blackcanyon.ledger.selectors import ledger_dispute_booked
from blackcanyon.orders.models import Order
from blackcanyon.payments.models import CheckoutStatus, Dispute
from blackcanyon.payments.money_events import (
    PaymentNotSettledYet,
    checkout_for_intent,
    ensure_ledger_payment,
    stripe_id,
    stripe_time,
    unsettled_checkout_of,
)

logger = logging.getLogger(__name__)

#: How far along a status is; a row's status is replaced only by a later one. Final statuses
#: share the last rank, so an outcome is never replaced (never both won and lost).
OPEN_RANK = {
    "warning_needs_response": 1,
    "warning_under_review": 2,
    "needs_response": 3,
    "under_review": 4,
}
FINAL_STATUSES = frozenset({"warning_closed", "won", "lost", "prevented", "charge_refunded"})
FINAL_RANK = 9
#: The audit action (``payments.dispute.<name>``) and the event's outcome of a final status.
FINAL_ACTIONS = {"won": "won", "lost": "lost", "warning_closed": "inquiry_closed"}


def status_rank(status: str) -> int:
    if status in FINAL_STATUSES:
        return FINAL_RANK
    return OPEN_RANK.get(status, 0)


# --- what a dispute object shows ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeFacts:
    """A Stripe dispute object, read: its identity and the money its balance transactions show."""

    dispute_id: str
    charge_id: str
    amount: int
    currency: str
    reason: str
    status: str
    created: datetime
    withdrawn: int = 0
    fee: int = 0
    withdrawn_at: datetime | None = None
    reinstated: int = 0
    fee_returned: int = 0
    reinstated_at: datetime | None = None


def _money_moved(transactions: Any) -> dict[str, Any]:
    """Withdrawals (amount < 0; their fee is Stripe's dispute fee) and reinstatements (amount
    > 0; a negative fee is the dispute fee given back) of the dispute's balance transactions."""
    moved: dict[str, Any] = {"withdrawn": 0, "fee": 0, "reinstated": 0, "fee_returned": 0}
    for txn in transactions if isinstance(transactions, list) else []:
        if not isinstance(txn, Mapping):
            continue  # an id only (not expanded): nothing to read
        amount, fee = txn.get("amount"), txn.get("fee") or 0
        if not isinstance(amount, int) or not isinstance(fee, int):
            continue
        when = stripe_time(txn.get("created")) if isinstance(txn.get("created"), int) else None
        if amount < 0:
            moved["withdrawn"] += -amount
            moved["fee"] += max(fee, 0)
            moved["withdrawn_at"] = moved.get("withdrawn_at") or when
        elif amount > 0:
            moved["reinstated"] += amount
            moved["fee_returned"] += max(-fee, 0)
            moved["reinstated_at"] = moved.get("reinstated_at") or when
    return moved


def dispute_facts(dispute: Mapping[str, Any]) -> DisputeFacts | None:
    """The facts of a dispute object; None when it lacks an id or a positive amount."""
    dispute_id, amount = str(dispute.get("id") or ""), dispute.get("amount")
    if not dispute_id or not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        return None
    return DisputeFacts(
        dispute_id=dispute_id,
        charge_id=stripe_id(dispute.get("charge")),
        amount=amount,
        currency=str(dispute.get("currency") or "").upper(),
        reason=str(dispute.get("reason") or "")[:64],
        status=str(dispute.get("status") or "")[:64],
        created=stripe_time(dispute.get("created")),
        **_money_moved(dispute.get("balance_transactions")),
    )


# --- applying it -------------------------------------------------------------------------------


def dispute_apply(*, dispute: Mapping[str, Any], event_created: datetime) -> str:
    """Any ``charge.dispute.*`` event: keep the ``Dispute`` row (created once, status forward,
    money fields up to what the object shows), book in the ledger what moved and is not booked
    yet, and write audit entries for what is new — one transaction holding the order row.

    Returns the most telling change: ``dispute_won`` / ``dispute_lost`` / ``inquiry_closed`` /
    ``dispute_closed`` (a final status reached), ``disputed`` / ``inquiry`` (the row created),
    ``funds_reinstated``, ``funds_withdrawn``, ``dispute_updated`` (a later status), or
    ``unchanged``; ``unknown`` for a dispute that is not of our payments. Raises
    ``PaymentNotSettledYet`` for a dispute of our payment that is not settled here yet (its
    ``checkout.session.completed`` still to come): the event waits and the reconciler runs it
    again once the payment is settled, so the dispute is never dropped.
    """
    facts = dispute_facts(dispute)
    if facts is None:
        return "unknown"
    intent_id = stripe_id(dispute.get("payment_intent"))
    checkout = checkout_for_intent(intent_id)
    if checkout is None:
        charge = {"id": facts.charge_id, "payment_intent": intent_id}
        if unsettled_checkout_of(charge) is not None:
            raise PaymentNotSettledYet(facts.charge_id)
        return "unknown"
    if checkout.status in (CheckoutStatus.OPEN, CheckoutStatus.PROCESSING):
        raise PaymentNotSettledYet(facts.charge_id)  # an async payment not confirmed here yet
    if facts.withdrawn:  # a payment the ledger missed is booked before money leaves it
        ensure_ledger_payment(checkout, facts.charge_id)
    with tenancy.for_organizer(checkout.organizer_id), transaction.atomic():
        order = Order.objects.select_for_update().select_related("event__organizer")
        locked = order.get(pk=checkout.order_id)
        row, changes = _row_apply(locked, facts)
        opened = bool({"disputed", "inquiry"} & set(changes))
        changes += _ledger_apply(locked, row, facts, opened=opened, event_created=event_created)
    for outcome in (
        "dispute_won", "dispute_lost", "inquiry_closed", "dispute_closed", "disputed", "inquiry",
        "funds_reinstated", "funds_withdrawn", "dispute_updated",
    ):  # fmt: skip
        if outcome in changes:
            return outcome
    return "unchanged"


def _row_apply(order: Order, facts: DisputeFacts) -> tuple[Dispute, list[str]]:
    """The Dispute row: created once, then moved forward by what this object shows."""
    row = Dispute.objects.filter(stripe_dispute_id=facts.dispute_id).first()
    if row is None:
        return _row_create(order, facts)
    fields: list[str] = []
    for name in ("fee", "withdrawn", "reinstated", "fee_returned"):
        if getattr(facts, name) > getattr(row, name):
            setattr(row, name, getattr(facts, name))
            fields.append(name)
    advanced = status_rank(facts.status) > status_rank(row.status)
    if advanced:
        row.status, row.reason = facts.status, facts.reason or row.reason
        fields += ["status", "reason"]
    if not fields:
        return row, []
    row.save(update_fields=[*fields, "updated_at"])
    if advanced and row.status in FINAL_STATUSES:
        return row, [_final_audit(order, row)]
    return row, ["dispute_updated"]


def _row_create(order: Order, facts: DisputeFacts) -> tuple[Dispute, list[str]]:
    row = Dispute.objects.create(
        organizer_id=order.organizer_id,
        order=order,
        stripe_dispute_id=facts.dispute_id,
        charge_id=facts.charge_id,
        amount=facts.amount,
        fee=facts.fee,
        currency=facts.currency or order.currency,
        reason=facts.reason,
        status=facts.status,
        stripe_created=facts.created,
        withdrawn=facts.withdrawn,
        reinstated=facts.reinstated,
        fee_returned=facts.fee_returned,
    )
    opened = "inquiry" if row.is_inquiry else "disputed"
    _audit(order, "inquiry" if row.is_inquiry else "created", row, amount=row.amount)
    changes = [opened]
    if row.status in FINAL_STATUSES:
        changes.append(_final_audit(order, row))
    return row, changes


def _final_audit(order: Order, row: Dispute) -> str:
    """The audit entry of a final status (reached once: a final status is never replaced)."""
    name = FINAL_ACTIONS.get(row.status, "closed")
    _audit(order, name, row, amount=row.amount)
    return name if name == "inquiry_closed" else f"dispute_{name}"


def _audit(order: Order, name: str, row: Dispute, *, amount: int) -> None:
    audit.record(
        actor=None,
        action=f"payments.dispute.{name}",
        organizer=order.event.organizer,
        obj=order,
        data={"dispute": row.stripe_dispute_id, "amount": amount, "reason": row.reason},
    )


def _ledger_apply(
    order: Order, row: Dispute, facts: DisputeFacts, *, opened: bool, event_created: datetime
) -> list[str]:
    """Book what the object shows moved and the ledger does not hold yet (in the caller's
    transaction and organizer context, the order row locked). ``opened``: the row was created
    by this event (its audit entry already tells of the withdrawal)."""
    organizer, ref = order.event.organizer, row.stripe_dispute_id
    booked = ledger_dispute_booked(organizer_id=order.organizer_id, stripe_ref=ref)
    changes: list[str] = []
    if facts.withdrawn and EntryKind.DISPUTE not in booked:
        ledger_record_dispute(
            organizer=organizer, order_id=order.pk, amount=facts.withdrawn, fee=facts.fee,
            currency=row.currency, occurred_at=facts.withdrawn_at or facts.created,
            key=f"stripe:{ref}:dispute", stripe_ref=ref,
        )  # fmt: skip
        booked[EntryKind.DISPUTE] = facts.withdrawn
        changes.append("funds_withdrawn")
        if not opened:
            _audit(order, "funds_withdrawn", row, amount=facts.withdrawn)
    held = booked.get(EntryKind.DISPUTE, 0)
    if not held or {EntryKind.DISPUTE_WON, EntryKind.DISPUTE_LOST} & booked.keys():
        if facts.reinstated and EntryKind.DISPUTE_LOST in booked:
            logger.warning("Dispute %s: funds reinstated after it was booked as lost", ref)
        return changes
    if facts.reinstated:
        ledger_record_dispute_won(
            organizer=organizer, order_id=order.pk, amount=facts.reinstated,
            fee_returned=facts.fee_returned, currency=row.currency,
            occurred_at=facts.reinstated_at or event_created, key=f"stripe:{ref}:won",
            stripe_ref=ref,
        )  # fmt: skip
        changes.append("funds_reinstated")
        if row.status != "won":  # else the "won" entry says the held amount is back
            _audit(order, "funds_reinstated", row, amount=facts.reinstated)
    elif row.status == "lost":
        ledger_record_dispute_lost(
            organizer=organizer, order_id=order.pk, amount=held, currency=row.currency,
            occurred_at=event_created, key=f"stripe:{ref}:lost", stripe_ref=ref,
        )  # fmt: skip
        changes.append("dispute_lost")
    return changes
