"""Personal data held by the events app.

Events and ticket types describe what an organizer sells (titles, venues, prices, capacities);
they name no buyer or attendee. The only link to a person is ``Event.created_by``, a reference to
the team member's account (the personal data itself lives in ``accounts``): it is set to NULL
when that account is deleted and carries nothing to export beyond the id. Venue addresses are
business addresses the organizer chose to publish. Audit entries of this app record event and
ticket type fields only.

Retention: kept while the organizer exists; deleted with it.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "events.Event": {
        "created_by": "the team member who created the event; set to NULL on account deletion",
    },
}
