"""Writes for check-in: lists, scanner devices, scans and undo. Every function runs in one
transaction and, except recording scans (the Scan row is the record), writes its audit entry in
it. Callers run in the organizer's tenant context (an organizer page, the check-in API's
authentication, or ``tenancy.scoped``)."""

from blackcanyon.checkin.services.devices import (
    scanner_device_create,
    scanner_device_revoke,
    scanner_device_touch,
)
from blackcanyon.checkin.services.lists import (
    checkin_list_create,
    checkin_list_delete,
    checkin_list_update,
    checkin_lists_ensure_default,
)
from blackcanyon.checkin.services.scans import MAX_BATCH, scans_record
from blackcanyon.checkin.services.undo import scan_undo

__all__ = [
    "MAX_BATCH",
    "checkin_list_create",
    "checkin_list_delete",
    "checkin_list_update",
    "checkin_lists_ensure_default",
    "scan_undo",
    "scanner_device_create",
    "scanner_device_revoke",
    "scanner_device_touch",
    "scans_record",
]
