"""Personal data held by the check-in app.

* ``checkin.Scan.user`` / ``checkin.Scan.undone_by`` — the team member who scanned a ticket or
  undid a scan (door staff signed in to the scanner). Shown in the organizer's scan log.
  Export: with the member's data (time, event, list, gate). Erase: the reference is kept and
  points at the pseudonymised account, like audit entries — the scan log is the organizer's
  record of who let whom in.
* ``checkin.ScannerDevice.created_by`` — who created a device token; kept the same way.

A scan also tells *when a ticket holder came and went*. It holds no name or contact itself: it
points at the ticket (whose attendee name belongs to the orders app and is erased there), so an
erased attendee's scans remain only as times, gates and a ticket id. Retention: as long as the
organizer keeps the event's sales records. Attendee names reach door staff only when the
organizer turns ``CheckInList.show_attendee_names`` on (offline bundles included).
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "checkin.Scan": {
        "user": "member who scanned; kept, points at the pseudonymised account",
        "undone_by": "member who undid the scan; kept, points at the pseudonymised account",
    },
    "checkin.ScannerDevice": {
        "created_by": "who created the device token; kept, points at the pseudonymised account",
    },
}
