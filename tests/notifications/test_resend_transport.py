"""The production transport: anymail's Resend backend under Django 6.1 ``MAILERS``, against
stubbed HTTP (no network in tests). The email id Resend returns is recorded; an API error is an
attempt that is retried, and its text never shows the API key."""

from __future__ import annotations

import base64
import json

import pytest
import responses
from django.test import override_settings

from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.notifications.models import MessageStatus
from tests.notifications.helpers import message_of, sell

pytestmark = pytest.mark.django_db

API_KEY = "re_test_0123456789abcdef"
RESEND = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
ANYMAIL = {"RESEND_API_KEY": API_KEY, "RESEND_SIGNING_SECRET": ""}
EMAILS_URL = "https://api.resend.com/emails"


@responses.activate
@override_settings(MAILERS=RESEND, ANYMAIL=ANYMAIL)
def test_resend_receives_the_email_with_its_attachments_and_its_id_is_recorded(
    ticket_type: TicketType,
) -> None:
    # Given Resend accepts emails
    responses.post(EMAILS_URL, json={"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})
    order = sell(ticket_type)

    # When the worker sends the confirmation
    run_pending()

    # Then Resend got one authenticated request with both parts and both attachments
    (call,) = responses.calls
    assert call.request.headers["Authorization"] == f"Bearer {API_KEY}"
    sent = json.loads(call.request.body)
    assert sent["to"] == ["ana@example.com"]
    assert sent["subject"] == f"Your tickets for Canyon Blues — order {order.code}"
    assert order.code in sent["text"]
    assert '<html lang="en">' in sent["html"]
    attachments = {a["filename"]: a for a in sent["attachments"]}
    assert {name: a["content_type"].split(";")[0] for name, a in attachments.items()} == {
        f"tickets-{order.code}.pdf": "application/pdf",
        f"{ticket_type.event.slug}.ics": "text/calendar",
    }
    assert base64.b64decode(attachments[f"tickets-{order.code}.pdf"]["content"])[:4] == b"%PDF"
    assert "Message-ID" not in sent.get("headers", {})  # Resend assigns its own
    # And the message is sent under Resend's email id (what its webhooks refer to)
    message = message_of(order)
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"


@responses.activate
@override_settings(MAILERS=RESEND, ANYMAIL=ANYMAIL)
def test_a_resend_api_error_is_retried_without_showing_the_key(ticket_type: TicketType) -> None:
    # Given Resend answers with an error that echoes the key
    responses.post(
        EMAILS_URL,
        status=500,
        json={"name": "internal_server_error", "message": f"Try again ({API_KEY})"},
    )
    order = sell(ticket_type)

    run_pending()

    message = message_of(order)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "AnymailRequestsAPIError" in message.last_error
    assert API_KEY not in message.last_error
    assert "[redacted]" in message.last_error
