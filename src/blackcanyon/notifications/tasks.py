"""Email sending tasks. Enqueued inside the caller's transaction (no lost or phantom emails)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string


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
