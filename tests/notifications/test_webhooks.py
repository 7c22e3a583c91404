"""Resend delivery webhooks: a correctly signed event moves its message on (delivered, bounced,
complained); a bad signature, a missing secret or an unknown id changes nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.test import Client, override_settings

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.notifications.models import Message, MessageStatus
from blackcanyon.orders.models import Order
from tests.notifications.helpers import (
    EVENT_TASK,
    SIGNING_SECRET,
    as_worker_role,
    message_of,
    resend_event,
    sell,
    svix_headers,
    tasks,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("signing_secret"),
]
URL = "/webhooks/email/resend/"
EMAIL_ID = "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"


@pytest.fixture
def signing_secret() -> object:
    with override_settings(
        ANYMAIL={"RESEND_API_KEY": "", "RESEND_SIGNING_SECRET": SIGNING_SECRET}
    ) as overridden:
        yield overridden


@pytest.fixture
def sent_order(ticket_type: TicketType) -> Order:
    """A paid order whose confirmation Resend accepted as EMAIL_ID."""
    order = sell(ticket_type)
    run_pending()
    with tenancy.scoped(organizer_id=order.organizer_id):
        Message.objects.filter(order=order).update(provider_message_id=EMAIL_ID)
    return order


def post(client: Client, body: bytes, **headers: str) -> int:
    signed = svix_headers(body)
    signed.update(headers)
    response = client.post(URL, body, content_type="application/json", **signed)
    return response.status_code


def run_worker() -> None:
    with as_worker_role():
        run_pending()


def test_a_signed_delivered_event_marks_the_message_delivered(
    client: Client, sent_order: Order
) -> None:
    # When Resend reports the confirmation delivered, correctly signed
    status = post(client, resend_event("email.delivered", EMAIL_ID))
    run_worker()

    # Then the message is delivered, at the time Resend gives
    assert status == 200
    message = message_of(sent_order)
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 2, 17, 5, tzinfo=UTC)


def test_a_bounce_is_recorded_with_its_reason_and_audited(
    client: Client, sent_order: Order
) -> None:
    reason = "The recipient's email provider sent a hard bounce message."
    body = resend_event("email.bounced", EMAIL_ID, bounce={"message": reason, "type": "Permanent"})

    assert post(client, body) == 200
    run_worker()

    message = message_of(sent_order)
    assert (message.status, message.last_error) == (MessageStatus.BOUNCED, reason)
    with tenancy.scoped(organizer_id=sent_order.organizer_id):
        entry = AuditLog.objects.get(action="notifications.message.bounced")
    assert entry.object_id == str(message.pk)


def test_a_complaint_after_delivery_is_recorded(client: Client, sent_order: Order) -> None:
    post(client, resend_event("email.delivered", EMAIL_ID))
    post(client, resend_event("email.complained", EMAIL_ID))
    run_worker()

    message = message_of(sent_order)
    assert message.status == MessageStatus.COMPLAINED
    assert message.delivered_at is not None
    assert message.complained_at is not None


def test_a_late_delivered_event_does_not_undo_a_bounce(client: Client, sent_order: Order) -> None:
    post(client, resend_event("email.bounced", EMAIL_ID))
    run_worker()
    post(client, resend_event("email.delivered", EMAIL_ID))
    run_worker()

    assert message_of(sent_order).status == MessageStatus.BOUNCED


def test_a_badly_signed_event_is_refused_and_changes_nothing(
    client: Client, sent_order: Order
) -> None:
    body = resend_event("email.bounced", EMAIL_ID)
    forged = svix_headers(body, secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY")

    response = client.post(URL, body, content_type="application/json", **forged)

    assert response.status_code == 400
    assert tasks(EVENT_TASK) == []
    run_worker()
    assert message_of(sent_order).status == MessageStatus.SENT


def test_a_tampered_body_is_refused(client: Client, sent_order: Order) -> None:
    signed = svix_headers(resend_event("email.delivered", EMAIL_ID))
    tampered = resend_event("email.bounced", EMAIL_ID)

    response = client.post(URL, tampered, content_type="application/json", **signed)

    assert response.status_code == 400
    assert tasks(EVENT_TASK) == []


def test_a_replayed_event_older_than_five_minutes_is_refused(
    client: Client, sent_order: Order
) -> None:
    body = resend_event("email.bounced", EMAIL_ID)
    stale = svix_headers(body, timestamp=str(int(time.time()) - 6 * 60))

    response = client.post(URL, body, content_type="application/json", **stale)

    assert response.status_code == 400
    assert tasks(EVENT_TASK) == []


def test_an_unsigned_event_is_refused(client: Client, sent_order: Order) -> None:
    response = client.post(
        URL, resend_event("email.delivered", EMAIL_ID), content_type="application/json"
    )

    assert response.status_code == 400
    assert tasks(EVENT_TASK) == []


def test_without_a_signing_secret_every_event_is_refused(client: Client, sent_order: Order) -> None:
    with override_settings(ANYMAIL={"RESEND_API_KEY": "", "RESEND_SIGNING_SECRET": ""}):
        status = post(client, resend_event("email.delivered", EMAIL_ID))

    assert status == 400
    assert tasks(EVENT_TASK) == []


def test_an_event_for_an_unknown_message_is_ignored(client: Client, sent_order: Order) -> None:
    assert post(client, resend_event("email.delivered", "not-one-of-ours")) == 200
    run_worker()

    (task,) = tasks(EVENT_TASK)
    assert task.return_value == "unknown"
    assert message_of(sent_order).status == MessageStatus.SENT


def test_events_we_do_not_track_are_accepted_and_dropped(client: Client, sent_order: Order) -> None:
    assert post(client, resend_event("email.opened", EMAIL_ID)) == 200
    assert post(client, resend_event("email.sent", EMAIL_ID)) == 200

    assert tasks(EVENT_TASK) == []


def test_a_signed_but_malformed_body_is_refused(client: Client, sent_order: Order) -> None:
    assert post(client, b"[1, 2") == 400
    assert tasks(EVENT_TASK) == []


@pytest.mark.postgres
def test_only_the_workers_role_can_find_the_message_of_an_event(
    client: Client, sent_order: Order
) -> None:
    # Control for the worker hop: the web role (bct_app) is not in bct_system, so its system
    # context sees no organizer's messages and the event cannot be placed
    post(client, resend_event("email.delivered", EMAIL_ID))
    run_pending()

    (task,) = tasks(EVENT_TASK)
    assert task.return_value == "unknown"
    assert message_of(sent_order).status == MessageStatus.SENT
