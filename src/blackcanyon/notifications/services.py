from __future__ import annotations

from typing import Any

from blackcanyon.notifications.tasks import send_templated_email


def email_enqueue(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Queue a templated email. Call inside the transaction of the change that causes it: if that
    transaction rolls back, the email is never sent. ``context`` must be JSON-serialisable."""
    send_templated_email.enqueue(to=to, template=template, context=context)
