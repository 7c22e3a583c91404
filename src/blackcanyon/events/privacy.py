"""Personal data held by the events app: none.

Events and ticket types describe what an organizer sells (titles, venues, prices, capacities);
they name no buyer or attendee. The only link to a person is ``Event.created_by``, a reference to
the team member's account (the personal data itself lives in ``accounts``): it is set to NULL
when that account is deleted and carries nothing to export beyond the id. Venue addresses are
business addresses the organizer chose to publish. Audit entries of this app record event and
ticket type fields only.
"""

from __future__ import annotations

# Model fields holding personal data, per model ("app.Model": ["field", ...]). Intentionally empty.
PERSONAL_DATA: dict[str, list[str]] = {}

# References to a person's account and what happens to them on erasure.
ACCOUNT_REFERENCES: dict[str, str] = {"events.Event.created_by": "set to NULL on account deletion"}

RETENTION = "Kept while the organizer exists; deleted with it."
