"""Entry points for other apps and the webhook: queue an email, accept a delivery event.

The tracked-email state machine itself lives in ``notifications.delivery``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from blackcanyon.notifications.delivery import EVENT_STATUS
from blackcanyon.notifications.tasks import record_delivery_event, send_templated_email

logger = logging.getLogger(__name__)

DETAIL_LENGTH = 500


def email_enqueue(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Queue a templated email. Call inside the transaction of the change that causes it: if that
    transaction rolls back, the email is never sent. ``context`` must be JSON-serialisable."""
    send_templated_email.enqueue(to=to, template=template, context=context)


def delivery_event_receive(
    *,
    provider: str,
    event: str,
    provider_message_id: str | None,
    occurred_at: datetime | None,
    detail: str | None = None,
) -> bool:
    """Accept one *verified* provider event (the webhook checked its signature).

    Delivered, bounced and complained events with a message id are queued for the worker, which
    finds the message across organizers (the web role cannot) and records them; returns whether
    the event was queued. Other events (sent, opened, clicked ...) are ignored.
    """
    if event not in EVENT_STATUS or not provider_message_id:
        return False
    logger.info("%s delivery event %s for %s", provider, event, provider_message_id)
    record_delivery_event.enqueue(
        provider_message_id=str(provider_message_id)[:255],
        event=event,
        occurred_at=occurred_at.isoformat() if occurred_at else None,
        detail=(detail or "")[:DETAIL_LENGTH],
    )
    return True
