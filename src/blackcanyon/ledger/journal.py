"""The one place that writes journal entries: validation, balance check, idempotency.

Public services (``ledger.services``) describe a money movement as a list of ``Leg``s; ``post``
checks that they balance per currency, finds or creates the accounts and writes the entry and its
postings in one transaction. A second call with the same idempotency key returns the first entry
(also when two calls race: the loser's ``IntegrityError`` becomes the winner's entry).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from blackcanyon.core import tenancy
from blackcanyon.core.money import SUPPORTED_CURRENCIES
from blackcanyon.ledger import errors
from blackcanyon.ledger.models import (
    ORGANIZER_KINDS,
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Line,
    Posting,
)

MAX_AMOUNT = 10**15  # far beyond any real movement; keeps sums inside a signed 64-bit column


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting to be written: ``amount`` > 0 debits, < 0 credits; 0 is dropped."""

    account: AccountKind
    amount: int
    line: Line
    currency: str = ""  # defaults to the entry's currency


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a recording service did: the entry (None when there was nothing to record) and
    whether this call created it (False: the key was already recorded)."""

    entry: JournalEntry | None
    created: bool


def account_code(kind: AccountKind, organizer_id: int | None) -> str:
    """``platform:<kind>`` or ``organizer:<id>:<kind>`` (docs/ledger.md)."""
    if kind in ORGANIZER_KINDS:
        if organizer_id is None:
            raise errors.InvalidAccount(f"The {kind} account belongs to an organizer.")
        return f"organizer:{organizer_id}:{kind}"
    return f"platform:{kind}"


def clean_currency(currency: Any) -> str:
    text = str(currency or "").strip().upper()
    if text not in SUPPORTED_CURRENCIES:
        raise errors.InvalidCurrency(fields={"currency": [f"{currency!r} is not supported."]})
    return text


def clean_amount(value: Any, *, name: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.InvalidAmount(fields={name: ["Whole minor units (an integer), please."]})
    if value < minimum or value > MAX_AMOUNT:
        raise errors.InvalidAmount(fields={name: [f"Must be between {minimum} and {MAX_AMOUNT}."]})
    return value


def clean_key(key: Any) -> str:
    text = str(key or "").strip()
    if not text or len(text) > 200:
        raise errors.InvalidKey(fields={"key": [errors.InvalidKey.default_message]})
    return text


def clean_time(value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise errors.InvalidTime(fields={"occurred_at": ["Timezone-aware UTC, please."]})
    return value


def check_balanced(legs: list[Leg], currency: str) -> None:
    """Refuse legs that do not sum to zero in every currency (``ledger_entry_unbalanced``)."""
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        sums[leg.currency or currency] += leg.amount
    off = {cur: total for cur, total in sums.items() if total != 0}
    if off:
        detail = ", ".join(f"{cur} {total:+d}" for cur, total in sorted(off.items()))
        raise errors.EntryUnbalanced(f"{errors.EntryUnbalanced.default_message} Off by {detail}.")


def account_for(*, kind: AccountKind, organizer_id: int | None, currency: str) -> Account:
    """The account (created on first use; race-safe through the unique code)."""
    account, _ = Account.objects.get_or_create(
        code=account_code(kind, organizer_id),
        currency=currency,
        defaults={"kind": kind, "organizer_id": organizer_id if kind in ORGANIZER_KINDS else None},
    )
    return account


@dataclass(frozen=True, slots=True)
class Movement:
    """Everything about an entry except its legs."""

    kind: EntryKind
    key: str
    organizer_id: int | None
    currency: str
    amount: int
    occurred_at: datetime
    order_id: int | None = None
    stripe_ref: str = ""
    memo: str = ""


def _same_movement(entry: JournalEntry, movement: Movement) -> bool:
    return (
        entry.kind == movement.kind
        and entry.organizer_id == movement.organizer_id
        and entry.currency == movement.currency
        and entry.amount == movement.amount
    )


def _existing(movement: Movement) -> JournalEntry | None:
    """The entry already recorded under this key, or for this Stripe object and kind."""
    entry = JournalEntry.objects.filter(idempotency_key=movement.key).first()
    if entry is None and movement.stripe_ref and movement.kind != EntryKind.ADJUSTMENT:
        entry = JournalEntry.objects.filter(
            kind=movement.kind, stripe_ref=movement.stripe_ref
        ).first()
    if entry is not None and not _same_movement(entry, movement):
        raise errors.KeyReused()
    return entry


def post(movement: Movement, legs: list[Leg]) -> Recorded:
    """Write ``movement`` with ``legs`` once. Raises ``EntryUnbalanced``, ``KeyReused``."""
    check_balanced(legs, movement.currency)
    kept = [leg for leg in legs if leg.amount != 0]
    if not kept:
        raise errors.EntryUnbalanced("A journal entry needs at least one non-zero posting.")
    existing = _existing(movement)
    if existing is not None:
        return Recorded(existing, created=False)
    try:
        with transaction.atomic():
            return Recorded(_write(movement, kept), created=True)
    except IntegrityError:
        existing = _existing(movement)
        if existing is None:
            # The key is taken by an entry this context cannot see (another organizer's).
            raise errors.KeyReused() from None
        return Recorded(existing, created=False)


def _write(movement: Movement, legs: list[Leg]) -> JournalEntry:
    entry = JournalEntry.objects.create(
        organizer_id=movement.organizer_id,
        kind=movement.kind,
        idempotency_key=movement.key,
        amount=movement.amount,
        currency=movement.currency,
        order_id=movement.order_id,
        stripe_ref=movement.stripe_ref,
        memo=movement.memo,
        occurred_at=movement.occurred_at,
    )
    postings = []
    for leg in legs:
        currency = leg.currency or movement.currency
        account = account_for(
            kind=leg.account, organizer_id=movement.organizer_id, currency=currency
        )
        postings.append(
            Posting(
                entry=entry,
                organizer_id=movement.organizer_id,
                account=account,
                amount=leg.amount,
                currency=currency,
                line=leg.line,
            )
        )
    # One INSERT for all postings: the database's balance check (PostgreSQL) sees them together.
    Posting.objects.bulk_create(postings)
    return entry


def in_context(organizer_id: int | None) -> AbstractContextManager[Any]:
    """The tenant context a recording runs in: the organizer's (keeping the user), or the
    caller's own for platform-only entries (which need ``tenancy.system_context()``)."""
    if organizer_id is None:
        return contextlib.nullcontext()
    return tenancy.for_organizer(organizer_id)
