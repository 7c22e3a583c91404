"""Personal data held by the notifications app.

``notifications.Message`` records every tracked email: the recipient's address (a buyer's, for
order emails) and the last sending error or bounce reason, which may quote that address.
Export: with the order (``export_for_order``). Erasure: pseudonymised with the order
(``erase_for_order``: address ``erased-<order code>@invalid``, error text dropped), keeping kind,
status and dates as the record that the buyer was emailed. Retention: as long as the order.
Audit entries written here hold ids, kinds and counts, never an address.
"""

from __future__ import annotations

from typing import Any

from blackcanyon.notifications.delivery import messages_pseudonymise_for_order
from blackcanyon.notifications.models import Message

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "notifications.Message": {
        "to_email": "recipient's address; exported with the order; pseudonymised on erasure",
        "last_error": "sending error or bounce reason, may quote the address; cleared on erasure",
    },
}


def export_for_order(order: Any) -> list[dict[str, Any]]:
    """The emails of one order as JSON-serialisable data (call in its organizer's context)."""
    return [
        {
            "kind": m.kind,
            "to": m.to_email,
            "subject": m.subject,
            "status": m.status,
            "queued_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
        }
        for m in Message.objects.filter(order=order).order_by("created_at", "pk")
    ]


def erase_for_order(*, actor: Any, order: Any) -> int:
    """Pseudonymise the order's emails (audited); returns how many."""
    return messages_pseudonymise_for_order(actor=actor, order=order)
