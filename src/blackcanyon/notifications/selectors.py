"""Reads of tracked emails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blackcanyon.notifications.models import Message, MessageStatus

# Badge tone per status on the organizer's pages (CSS classes badge-ok/-warn/-bad/-muted).
_TONES = {
    MessageStatus.QUEUED: "muted",
    MessageStatus.SENT: "ok",
    MessageStatus.DELIVERED: "ok",
    MessageStatus.FAILED: "bad",
    MessageStatus.BOUNCED: "bad",
    MessageStatus.COMPLAINED: "bad",
}


@dataclass(frozen=True)
class MessageRow:
    """A message as the organizer's order page shows it."""

    message: Message
    status_label: str
    tone: str
    show_error: bool


def messages_for_order(*, organizer: Any, order: Any) -> list[MessageRow]:
    """The emails sent (or owed) for one of the organizer's orders, oldest first."""
    messages = Message.objects.filter(organizer_id=organizer.pk, order_id=order.pk).order_by(
        "created_at", "pk"
    )
    rows = []
    for message in messages:
        if message.retrying:
            label, tone = "Retrying", "warn"
        else:
            label, tone = message.get_status_display(), _TONES[MessageStatus(message.status)]
        show_error = bool(message.last_error) and (message.retrying or tone == "bad")
        rows.append(MessageRow(message, label, tone, show_error))
    return rows


def message_organizer_id(*, provider_message_id: str) -> int | None:
    """Which organizer sent the message with this provider id (None: not ours).

    Delivery webhooks arrive without an organizer: call in ``tenancy.system_context()`` (the
    worker's role) so PostgreSQL row-level security lets the lookup see every organizer's rows.
    """
    if not provider_message_id:
        return None
    return (
        Message.objects.filter(provider_message_id=provider_message_id)
        .order_by("pk")
        .values_list("organizer_id", flat=True)
        .first()
    )
