"""System checks of the mail configuration (``bct check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def resend_webhook_secret(**kwargs: Any) -> list[CheckMessage]:
    """Resend without a webhook signing secret sends mail but never learns of bounces."""
    anymail = getattr(settings, "ANYMAIL", {})
    if anymail.get("RESEND_API_KEY") and not anymail.get("RESEND_SIGNING_SECRET"):
        return [
            Warning(
                "RESEND_API_KEY is set but RESEND_SIGNING_SECRET is not: Resend's delivery "
                "webhooks are refused, so deliveries and bounces are not recorded.",
                hint="Set it to the webhook's signing secret (whsec_...); see docs/email.md.",
                id="notifications.W001",
            )
        ]
    return []
