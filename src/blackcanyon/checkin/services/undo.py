"""Undoing a mistaken scan: the ticket no longer counts as scanned by it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from blackcanyon.checkin.errors import ScanNotFound
from blackcanyon.checkin.models import Scan, ScannerDevice, ScanStatus
from blackcanyon.core import audit, clock
from blackcanyon.orders.models import Ticket
from blackcanyon.organizers.models import Organizer


def _scan_for(organizer: Organizer, client_scan_id: str, device: ScannerDevice | None) -> Scan:
    scan = Scan.objects.filter(organizer=organizer, client_scan_id=client_scan_id).first()
    if scan is None or (
        device is not None
        and (
            scan.event_id != device.event_id
            or device.checkin_list_id not in (None, scan.checkin_list_id)
        )
    ):
        raise ScanNotFound()
    return scan


def scan_undo(
    *,
    actor: Any | None,
    organizer: Organizer,
    client_scan_id: str,
    device: ScannerDevice | None = None,
) -> Scan:
    """Mark the scan undone; if it was the ticket's current scan on its list, the ticket's state
    goes back to the scan before it (an undone entry: not inside any more, and not counted as
    checked in unless it entered before). Idempotent: undoing twice changes nothing and writes
    one audit entry. The ticket row is locked like a scan does, so an undo and a scan of the
    same ticket never interleave.

    Raises ``ScanNotFound`` (404) for an unknown id, another organizer's scan, or a scan outside
    the device's event or list. Callers authorise (``checkin.scan``) and set the tenant context.
    """
    with transaction.atomic():
        scan = _scan_for(organizer, client_scan_id, device)
        if scan.ticket_id is not None:
            Ticket.objects.select_for_update().filter(pk=scan.ticket_id).values_list("pk").first()
        scan = Scan.objects.select_for_update().get(pk=scan.pk)
        if scan.undone_at is not None:
            return scan
        was_current = scan.is_current
        scan.undone_at = clock.now()
        scan.undone_by = actor if getattr(actor, "is_authenticated", False) else None
        scan.is_current = False
        scan.save(update_fields=["undone_at", "undone_by", "is_current"])
        if was_current and scan.ticket_id is not None:
            before = (
                Scan.objects.filter(
                    organizer=organizer,
                    checkin_list_id=scan.checkin_list_id,
                    ticket_id=scan.ticket_id,
                    status=ScanStatus.VALID,
                    undone_at__isnull=True,
                )
                .order_by("-id")
                .first()
            )
            if before is not None:
                before.is_current = True
                before.save(update_fields=["is_current"])
        audit.record(
            actor=actor,
            action="checkin.scan.undone",
            organizer=organizer,
            obj=scan,
            data={
                "client_scan_id": scan.client_scan_id,
                "status": scan.status,
                "direction": scan.direction,
                "checkin_list_id": scan.checkin_list_id,
                "ticket_id": scan.ticket_id,
                "device_id": device.pk if device is not None else None,
            },
        )
    return scan
