"""Scanner devices: create (the token is returned once), revoke, note the last use."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from blackcanyon.checkin.errors import CheckInListNotFound, DeviceNameInvalid
from blackcanyon.checkin.models import CheckInList, ScannerDevice
from blackcanyon.checkin.selectors import device_token_hash
from blackcanyon.core import audit, clock
from blackcanyon.events.models import Event
from blackcanyon.organizers.access import organizer_access

TOKEN_PREFIX = "bctd_"  # noqa: S105 - the public marker of device tokens, not a secret
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_LENGTH = 8
NAME_MAX = 100
MANAGE = "events.manage"
# ``last_seen_at`` is written at most this often per device (not on every request).
TOUCH_INTERVAL = timedelta(minutes=1)
_ATTEMPTS = 3


def _new_plaintext() -> tuple[str, str]:
    """``(prefix, token)``: ``bctd_<8 lowercase letters/digits>_<43 url-safe chars>``."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def scanner_device_create(
    *, actor: Any | None, event: Event, name: str, checkin_list: CheckInList | None = None
) -> tuple[ScannerDevice, str]:
    """A device token for ``event`` (and only ``checkin_list`` when given); returns the row and
    the plaintext, which exists only in this return value. Raises ``DeviceNameInvalid`` (422),
    ``CheckInListNotFound`` for a list of another event, and the organizer access errors for a
    member without ``events.manage``."""
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        raise DeviceNameInvalid()
    if checkin_list is not None and checkin_list.event_id != event.pk:
        raise CheckInListNotFound()
    with transaction.atomic():
        if actor is not None:
            organizer_access(actor, event.organizer, MANAGE)
        for attempt in range(_ATTEMPTS):
            prefix, plaintext = _new_plaintext()
            try:
                with transaction.atomic():
                    device = ScannerDevice.objects.create(
                        organizer_id=event.organizer_id,
                        event=event,
                        checkin_list=checkin_list,
                        name=clean,
                        prefix=prefix,
                        token_hash=device_token_hash(plaintext),
                        created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    )
                break
            except IntegrityError:  # a prefix collision: draw again
                if attempt == _ATTEMPTS - 1:
                    raise
        # Never the secret or its hash in the audit trail.
        audit.record(
            actor=actor,
            action="checkin.device.created",
            organizer=event.organizer,
            obj=device,
            data={
                "name": clean,
                "prefix": prefix,
                "event_id": event.pk,
                "checkin_list_id": checkin_list.pk if checkin_list else None,
            },
        )
    return device, plaintext


def scanner_device_revoke(*, actor: Any | None, device: ScannerDevice) -> ScannerDevice:
    """Revoke at once: the device's next request gets 401 ``device_revoked``. Idempotent (a
    second revoke writes nothing)."""
    with transaction.atomic():
        if actor is not None:
            organizer_access(actor, device.event.organizer, MANAGE)
        changed = ScannerDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
        fresh = ScannerDevice.objects.get(pk=device.pk)
        if changed:
            audit.record(
                actor=actor,
                action="checkin.device.revoked",
                organizer=device.event.organizer,
                obj=fresh,
                data={"name": fresh.name, "prefix": fresh.prefix},
            )
    return fresh


def scanner_device_touch(*, device: ScannerDevice) -> None:
    """Note that the device was used (at most once a minute; no audit entry)."""
    now = clock.now()
    if device.last_seen_at is not None and now - device.last_seen_at < TOUCH_INTERVAL:
        return
    ScannerDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now
