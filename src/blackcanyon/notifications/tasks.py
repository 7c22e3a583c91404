"""Email tasks. Enqueued inside the caller's transaction (no lost or phantom emails).

Thin adapters: each sets the tenant context and calls one service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string

from blackcanyon.core import tenancy
from blackcanyon.notifications import delivery, selectors


@task()
def send_templated_email(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render ``email/<template>_subject.txt``, ``.txt`` and ``.html`` and send one message."""
    full_context = {"PUBLIC_APP_URL": settings.PUBLIC_APP_URL, **context}
    subject = render_to_string(f"email/{template}_subject.txt", full_context).strip()
    text = render_to_string(f"email/{template}.txt", full_context)
    html = render_to_string(f"email/{template}.html", full_context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


@task()
def record_delivery_event(
    *, provider_message_id: str, event: str, occurred_at: str | None, detail: str = ""
) -> str:
    """Apply a verified provider delivery event to its message; returns the message's status,
    or ``unknown`` for an id that is not ours.

    The webhook arrives without an organizer, so the message's organizer is looked up in the
    system context (``bct worker``'s role may see every organizer's rows), then the event is
    recorded in that organizer's context.
    """
    with tenancy.system_context():
        organizer_id = selectors.message_organizer_id(provider_message_id=provider_message_id)
    if organizer_id is None:
        return "unknown"
    with tenancy.scoped(organizer_id=organizer_id):
        message = delivery.message_record_delivery_event(
            provider_message_id=provider_message_id,
            event=event,
            occurred_at=datetime.fromisoformat(occurred_at) if occurred_at else None,
            detail=detail,
        )
    return message.status if message is not None else "unknown"
