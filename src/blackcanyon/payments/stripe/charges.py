"""A payment's charge as Stripe reports it: Stripe's fee, and the Connect side into the ledger.

``charge_facts`` reads a PaymentIntent's charge once (outside any transaction): its id, Stripe's
fee (the balance transaction) and its Connect moves. A charge made with
``transfer_data[destination]`` and ``application_fee_amount`` moves the whole amount to the
organizer's connected account (the charge's ``transfer``) and takes the platform fee back (its
``application_fee``); refunds made with ``reverse_transfer`` / ``refund_application_fee`` add
the transfer's ``reversals`` and the fee's ``refunds``. These are read from the charge
(``expand``: ``transfer``, ``application_fee``) with Stripe's own amounts, and each is booked
once (``ledger.connect``), whenever it is first seen: at settlement, after a refund, or by the
reconciler's sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe
from django.db import transaction

from blackcanyon.core import clock, tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.ledger.connect import ledger_record_connect_move
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.stripe.client import stripe_client, translate_error

#: What ``charge_facts`` asks Stripe to expand on the PaymentIntent.
EXPAND = [
    f"latest_charge.{name}" for name in ("balance_transaction", "transfer", "application_fee")
]


@dataclass(frozen=True, slots=True)
class Move:
    kind: EntryKind
    stripe_ref: str
    amount: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ConnectMoves:
    """Everything Stripe moved between the platform and the connected account for a charge
    (empty when it could not be read: the reconciler's sweep asks again)."""

    moves: list[Move] = field(default_factory=list)


def _when(value: Any) -> datetime:
    if isinstance(value, int) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return clock.now()


def _amount(obj: Mapping[str, Any]) -> int | None:
    value = obj.get("amount")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _children(parent: Mapping[str, Any], name: str, lister: Any) -> list[Mapping[str, Any]]:
    """A list attribute of a Stripe object (``reversals``, ``refunds``), paging on Stripe when
    the embedded list has more (outside any transaction)."""
    embedded = parent.get(name)
    if not isinstance(embedded, Mapping) or not isinstance(embedded.get("data"), list):
        return []
    items = [i for i in embedded["data"] if isinstance(i, Mapping)]
    if embedded.get("has_more"):
        page = lister(str(parent["id"]), params={"limit": 100})
        items = [i.to_dict() for i in page.auto_paging_iter()]
    return items


def _object_moves(
    obj: Any, kind: EntryKind, child: str, child_kind: EntryKind, lister: Any
) -> list[Move]:
    """The object's own move and its children's. Nothing for no object (not a Connect charge,
    no fee asked) or an id that was not expanded."""
    if not isinstance(obj, Mapping) or not obj.get("id") or _amount(obj) is None:
        return []
    moves = [Move(kind, str(obj["id"]), int(obj["amount"]), _when(obj.get("created")))]
    for item in _children(obj, child, lister):
        amount = _amount(item)
        if item.get("id") and amount:
            moves.append(Move(child_kind, str(item["id"]), amount, _when(item.get("created"))))
    return moves


def connect_moves(charge: Mapping[str, Any]) -> ConnectMoves:
    """The charge's transfer and application fee with their reversals and refunds. May ask
    Stripe for more pages (``StripeError`` is translated and raised)."""
    client = stripe_client().v1
    try:
        transfer = _object_moves(
            charge.get("transfer"), EntryKind.TRANSFER, "reversals",
            EntryKind.TRANSFER_REVERSAL, client.transfers.reversals.list,
        )  # fmt: skip
        fee = _object_moves(
            charge.get("application_fee"), EntryKind.APPLICATION_FEE, "refunds",
            EntryKind.FEE_REFUND, client.application_fees.refunds.list,
        )  # fmt: skip
    except stripe.StripeError as error:
        raise translate_error(error, doing="listing a transfer's reversals") from error
    return ConnectMoves(moves=transfer + fee)


def connect_moves_record(
    *, moves: ConnectMoves, organizer: Any, order_id: int | None, currency: str
) -> int:
    """Book the moves the ledger does not hold yet (in the caller's transaction and organizer
    context); returns how many were new."""
    created = 0
    for move in moves.moves:
        recorded = ledger_record_connect_move(
            move.kind, organizer=organizer, order_id=order_id, stripe_ref=move.stripe_ref,
            amount=move.amount, currency=currency, occurred_at=move.occurred_at,
        )  # fmt: skip
        created += int(recorded.created)
    return created


# --- the charge of a PaymentIntent -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChargeFacts:
    charge_id: str
    stripe_fee: int | None  # None: the balance transaction is not there yet
    balance_transaction_id: str = ""
    moves: ConnectMoves = field(default_factory=ConnectMoves)


def _id(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def charge_facts(*, intent_id: str) -> ChargeFacts | None:
    """The charge of a payment intent, Stripe's fee on it and its Connect moves, asked outside
    any transaction (one request, ``expand``: ``EXPAND``). None when Stripe cannot be reached:
    the caller settles the order anyway and the ledger is completed later."""
    if not intent_id:
        return None
    try:
        intent = stripe_client().v1.payment_intents.retrieve(intent_id, params={"expand": EXPAND})
    except stripe.StripeError as error:
        translate_error(error, doing="reading a payment's charge")  # logs it
        return None
    charge = intent.to_dict().get("latest_charge")
    if not isinstance(charge, Mapping) or not _id(charge):
        return None
    fee, txn = None, ""
    if isinstance(charge.get("balance_transaction"), Mapping):
        value = charge["balance_transaction"].get("fee")
        fee = value if isinstance(value, int) else None
        txn = _id(charge["balance_transaction"])
    try:
        moves = connect_moves(charge)
    except DomainError:
        moves = ConnectMoves()  # logged; the reconciler's sweep asks again
    return ChargeFacts(_id(charge), fee, txn, moves)


def connect_sync(*, intent_id: str, organizer_id: int, order_id: int, currency: str) -> int:
    """After a refund of a paid checkout (ours, the dashboard's or a late payment's): read the
    charge again (outside any transaction) and book the transfer reversals and platform-fee
    refunds it now shows, once. Only for a payment the ledger holds (else its booking brings
    them). Best effort: Stripe unreachable → 0, and the reconciler's sweep completes it."""
    facts = charge_facts(intent_id=intent_id)
    if facts is None or not facts.moves.moves:
        return 0
    with tenancy.for_organizer(organizer_id), transaction.atomic():
        paid = JournalEntry.objects.filter(kind=EntryKind.PAYMENT, stripe_ref=facts.charge_id)
        if not paid.exists():
            return 0
        return connect_moves_record(
            moves=facts.moves, organizer=Organizer.objects.get(pk=organizer_id),
            order_id=order_id, currency=currency,
        )  # fmt: skip
