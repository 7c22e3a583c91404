"""Personal data held by the orders app.

Buyers check out as guests: an order holds the buyer's name and email and, per ticket, the
attendee's name. Exported with the order (order page, organizer export); erased by pseudonymising
(name "Erased", email ``erased-<order code>@invalid``) while keeping amounts, ticket types and
dates for the organizer's accounting. Retention: as long as the organizer must keep sales records;
erasure on request once the event is over and no refund or dispute is open.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "orders.Order": {
        "buyer_name": "buyer's name; exported with the order; pseudonymised on erasure",
        "buyer_email": "buyer's email; exported with the order; pseudonymised on erasure",
    },
    "orders.OrderLine": {
        "attendee_names": "attendees' names before tickets are issued; cleared on erasure",
    },
    "orders.Ticket": {
        "attendee_name": "attendee's name; exported with the order; cleared on erasure",
    },
}
