"""Discount and access codes of an event: create, update, deactivate / reactivate.

The ``redeemed`` counter is never written here (only ``orders.inventory`` takes and gives back
redemptions). Lowering ``max_redemptions`` is one conditional UPDATE (``WHERE redeemed <= new``),
so it can never drop below redemptions a concurrent reservation just took.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.events.errors import EventCancelled
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders import errors
from blackcanyon.orders.codes import normalize_code
from blackcanyon.orders.models import DiscountCode, DiscountCodeTicketType, DiscountKind

CODE_MIN = 3
CODE_MAX = 40
# What an organizer may type: letters, digits and dashes (spaces around it are trimmed).
CODE_INPUT_RE = re.compile(r"^[A-Za-z0-9-]+$")
PERCENT_MAX = 100
# A fixed discount per ticket, in minor units; far above any ticket price, below integer limits.
FIXED_MAX = 100_000_000
MAX_REDEMPTIONS_MAX = 1_000_000

TAKEN_MESSAGE = "This code already exists for this event."


def code_problems(text: str) -> tuple[str, list[str]]:
    """The stored form of ``text`` and what is wrong with it (empty list: nothing). Pure, so a
    form can show it together with its own parse errors."""
    raw = text.strip()
    stored = normalize_code(raw)
    if not raw:
        return stored, ["Enter a code."]
    if not CODE_INPUT_RE.fullmatch(raw):
        return stored, ["Use only letters (A to Z), digits and dashes."]
    if not CODE_MIN <= len(stored) <= CODE_MAX:
        return stored, [f"Use {CODE_MIN} to {CODE_MAX} letters or digits (dashes do not count)."]
    return stored, []


def value_problems(*, kind: str, value: int, unlocks_hidden: bool) -> dict[str, list[str]]:
    """Per-field problems of a code's kind/value pair (pure, like ``code_problems``)."""
    if kind == DiscountKind.PERCENT and not 1 <= value <= PERCENT_MAX:
        return {"value": ["A percentage must be between 1 and 100."]}
    if kind == DiscountKind.FIXED and not 0 < value <= FIXED_MAX:
        return {"value": ["A fixed discount must be more than 0."]}
    if kind == DiscountKind.ACCESS:
        found: dict[str, list[str]] = {}
        if value != 0:
            found["value"] = ["An access code gives no discount: leave the value empty."]
        if not unlocks_hidden:
            found["unlocks_hidden"] = [
                "An access code only unlocks hidden ticket types: tick this box "
                "(or choose a discount instead)."
            ]
        return found
    return {}


def _clean(
    *,
    event: Event,
    code: str,
    kind: str,
    value: int,
    ticket_type_ids: Iterable[int],
    unlocks_hidden: bool,
    max_redemptions: int | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> dict[str, Any]:
    """Validate a code's fields; return them as stored. Raises DiscountCodeInvalid."""
    fields: dict[str, list[str]] = {}
    stored, problems = code_problems(code)
    if problems:
        fields["code"] = problems
    if kind not in DiscountKind.values:
        fields["kind"] = ["Choose a percentage, a fixed amount or an access code."]
    else:
        fields.update(value_problems(kind=kind, value=value, unlocks_hidden=unlocks_hidden))
    type_ids = sorted({int(t) for t in ticket_type_ids})
    if type_ids:
        known = TicketType.objects.filter(event=event, pk__in=type_ids).count()
        if known != len(type_ids):
            fields["ticket_type_ids"] = ["Choose ticket types of this event."]
    if max_redemptions is not None and not 1 <= max_redemptions <= MAX_REDEMPTIONS_MAX:
        fields["max_redemptions"] = [
            "Enter at least 1, or leave empty for no limit."
            if max_redemptions < 1
            else f"Use at most {MAX_REDEMPTIONS_MAX:,}."
        ]
    if valid_from and valid_until and valid_until <= valid_from:
        fields["valid_until"] = ["The code must stop being valid after it starts."]
    if fields:
        raise errors.DiscountCodeInvalid(fields=fields)
    return {
        "code": stored,
        "kind": kind,
        "value": value,
        "type_ids": type_ids,
        "unlocks_hidden": unlocks_hidden,
        "max_redemptions": max_redemptions,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _ensure_open(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled()


def _taken() -> errors.DiscountCodeTaken:
    return errors.DiscountCodeTaken(TAKEN_MESSAGE, fields={"code": [TAKEN_MESSAGE]})


def _set_ticket_types(*, discount_code: DiscountCode, type_ids: list[int]) -> None:
    """Make the code's ticket types exactly ``type_ids`` (each row carries organizer_id)."""
    links = DiscountCodeTicketType.objects.filter(discount_code=discount_code)
    links.exclude(ticket_type_id__in=type_ids).delete()
    have = set(links.values_list("ticket_type_id", flat=True))
    DiscountCodeTicketType.objects.bulk_create(
        DiscountCodeTicketType(
            organizer_id=discount_code.organizer_id,
            discount_code=discount_code,
            ticket_type_id=type_id,
        )
        for type_id in type_ids
        if type_id not in have
    )


# The DiscountCode columns a create or update writes from the cleaned values.
STORED_FIELDS = (
    "code",
    "kind",
    "value",
    "unlocks_hidden",
    "max_redemptions",
    "valid_from",
    "valid_until",
)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in STORED_FIELDS}


def _validated(*, event: Event, current: DiscountCode | None, **fields: Any) -> dict[str, Any]:
    """``_clean`` plus the friendly uniqueness check (the constraint still decides on a race)."""
    values = _clean(event=event, **fields)
    others = DiscountCode.objects.filter(event=event, code=values["code"])
    if current is not None:
        others = others.exclude(pk=current.pk)
    if others.exists():
        raise _taken()
    return values


def _record(
    *, actor: Any, verb: str, event: Event, discount_code: DiscountCode, values: dict[str, Any]
) -> None:
    data = {k: v for k, v in values.items() if k not in {"valid_from", "valid_until"}}
    for name in ("valid_from", "valid_until"):
        data[name] = values[name].isoformat() if values[name] else None
    audit.record(
        actor=actor,
        action=f"orders.discount_code.{verb}",
        organizer=event.organizer,
        obj=discount_code,
        data={"event_id": event.pk, **data},
    )


def discount_code_create(
    *,
    actor: Any,
    event: Event,
    code: str,
    kind: str,
    value: int = 0,
    ticket_type_ids: Iterable[int] = (),
    unlocks_hidden: bool = False,
    max_redemptions: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> DiscountCode:
    """Add a code to ``event``. ``value``: percent (1 to 100), minor units off each ticket (fixed,
    > 0) or 0 (access). No ``ticket_type_ids``: it applies to every type of the event.

    The code is stored normalised (upper case, no dashes or spaces), unique per event. Raises
    DiscountCodeInvalid (per-field messages), DiscountCodeTaken, EventCancelled.
    """
    _ensure_open(event)
    with tenancy.for_organizer(event.organizer_id):
        values = _validated(
            event=event,
            current=None,
            code=code,
            kind=kind,
            value=value,
            ticket_type_ids=ticket_type_ids,
            unlocks_hidden=unlocks_hidden,
            max_redemptions=max_redemptions,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        try:
            with transaction.atomic():
                discount_code = DiscountCode.objects.create(
                    organizer_id=event.organizer_id,
                    event=event,
                    **_stored(values),
                )
                _set_ticket_types(discount_code=discount_code, type_ids=values["type_ids"])
                _record(
                    actor=actor,
                    verb="created",
                    event=event,
                    discount_code=discount_code,
                    values=values,
                )
        except IntegrityError:
            # The same code created at the same moment by someone else: the constraint wins.
            raise _taken() from None
    return discount_code


def discount_code_update(
    *,
    actor: Any,
    discount_code: DiscountCode,
    code: str,
    kind: str,
    value: int = 0,
    ticket_type_ids: Iterable[int] = (),
    unlocks_hidden: bool = False,
    max_redemptions: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> DiscountCode:
    """Change a code. Orders already placed keep the prices they got.

    ``max_redemptions`` cannot go below the redemptions already taken (checked by the UPDATE
    itself, so a concurrent reservation cannot slip under it). Raises DiscountCodeInvalid,
    DiscountCodeTaken, EventCancelled.
    """
    with tenancy.for_organizer(discount_code.organizer_id):
        event = Event.objects.select_related("organizer").get(pk=discount_code.event_id)
        _ensure_open(event)
        values = _validated(
            event=event,
            current=discount_code,
            code=code,
            kind=kind,
            value=value,
            ticket_type_ids=ticket_type_ids,
            unlocks_hidden=unlocks_hidden,
            max_redemptions=max_redemptions,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        try:
            with transaction.atomic():
                _write_update(discount_code=discount_code, values=values)
                _set_ticket_types(discount_code=discount_code, type_ids=values["type_ids"])
                _record(
                    actor=actor,
                    verb="updated",
                    event=event,
                    discount_code=discount_code,
                    values=values,
                )
        except IntegrityError:
            raise _taken() from None
        discount_code.refresh_from_db()
    return discount_code


def _write_update(*, discount_code: DiscountCode, values: dict[str, Any]) -> None:
    limit = values["max_redemptions"]
    rows = DiscountCode.objects.filter(pk=discount_code.pk)
    if limit is not None:
        rows = rows.filter(redeemed__lte=limit)
    changed = rows.update(**_stored(values), updated_at=clock.now())
    if not changed:
        redeemed = DiscountCode.objects.values_list("redeemed", flat=True).get(pk=discount_code.pk)
        message = (
            f"{redeemed} order{'s' if redeemed != 1 else ''} already used this code; "
            "the limit cannot go below that."
        )
        raise errors.DiscountCodeInvalid(message, fields={"max_redemptions": [message]})


def _set_active(*, actor: Any, discount_code: DiscountCode, active: bool) -> DiscountCode:
    verb = "reactivated" if active else "deactivated"
    with tenancy.for_organizer(discount_code.organizer_id), transaction.atomic():
        event = Event.objects.select_related("organizer").get(pk=discount_code.event_id)
        if active:
            _ensure_open(event)
        changed = (
            DiscountCode.objects.filter(pk=discount_code.pk)
            .exclude(active=active)
            .update(active=active, updated_at=clock.now())
        )
        if changed:
            audit.record(
                actor=actor,
                action=f"orders.discount_code.{verb}",
                organizer=event.organizer,
                obj=discount_code,
                data={"event_id": event.pk, "code": discount_code.code},
            )
        discount_code.refresh_from_db()
    return discount_code


def discount_code_deactivate(*, actor: Any, discount_code: DiscountCode) -> DiscountCode:
    """Stop accepting the code for new reservations (orders that used it are untouched).
    Deactivating an inactive code changes nothing and writes no audit entry."""
    return _set_active(actor=actor, discount_code=discount_code, active=False)


def discount_code_reactivate(*, actor: Any, discount_code: DiscountCode) -> DiscountCode:
    """Accept a deactivated code again (its validity window and limit still apply).
    Raises EventCancelled for a cancelled event."""
    return _set_active(actor=actor, discount_code=discount_code, active=True)
