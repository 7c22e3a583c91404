"""Tracked order emails: queued with the order, sent once by the worker with the tickets attached,
retried with a growing delay when the mail server is down, failed after the last attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.notifications import delivery
from blackcanyon.notifications.models import Message, MessageKind, MessageStatus
from blackcanyon.orders import services
from blackcanyon.orders.tasks import send_order_email
from tests.notifications.helpers import (
    make_retries_due,
    message_of,
    messages_of,
    refusing_mailer,
    sell,
    tasks,
)

pytestmark = pytest.mark.django_db


def test_a_paid_order_queues_one_tracked_message_and_its_task(ticket_type: TicketType) -> None:
    # When a box-office sale is paid
    order = sell(ticket_type)

    # Then its confirmation is on record as queued, with one task to send it; nothing sent yet
    message = message_of(order)
    assert (message.kind, message.to_email, message.status, message.attempts) == (
        MessageKind.ORDER_CONFIRMATION,
        "ana@example.com",
        MessageStatus.QUEUED,
        0,
    )
    (task,) = tasks()
    assert task.args_kwargs["kwargs"] == {
        "organizer_id": order.organizer_id,
        "message_id": message.pk,
    }
    assert mail.outbox == []


def test_the_worker_sends_the_confirmation_with_the_tickets_and_records_it_sent(
    ticket_type: TicketType,
) -> None:
    order = sell(ticket_type, quantity=2)

    # When the worker runs
    run_pending()

    # Then the buyer got text and HTML, the order link, the tickets PDF and the calendar file
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert email.subject == f"Your tickets for Canyon Blues — order {order.code}"
    assert order.code in email.body
    (html, mimetype) = email.alternatives[0]
    assert mimetype == "text/html"
    assert 'lang="en"' in html
    assert f"/{order.code}/" in html
    names = {a.filename: a.mimetype for a in email.attachments}
    assert names == {
        f"tickets-{order.code}.pdf": "application/pdf",
        f"{ticket_type.event.slug}.ics": "text/calendar",
    }
    pdf = next(a.content for a in email.attachments if a.filename.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    # And the message is recorded sent, with the Message-ID it went out with
    message = message_of(order)
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None
    assert message.subject == email.subject
    assert message.provider_message_id == email.extra_headers["Message-ID"]


def test_a_second_run_for_a_sent_message_sends_nothing(ticket_type: TicketType) -> None:
    # Given a confirmation already sent
    order = sell(ticket_type)
    run_pending()
    message = message_of(order)

    # When the same task runs again (a duplicate or a retried job)
    outcome = send_order_email.call(organizer_id=order.organizer_id, message_id=message.pk)

    # Then nothing more is sent
    assert outcome == "skipped"
    assert len(mail.outbox) == 1
    assert message_of(order).attempts == 1


def test_an_order_without_buyer_email_queues_nothing(ticket_type: TicketType) -> None:
    order = sell(ticket_type, email="")

    assert messages_of(order) == []
    assert tasks() == []


def test_the_cancellation_email_has_no_attachments(ticket_type: TicketType) -> None:
    # Given a paid order whose confirmation went out
    order = sell(ticket_type)
    run_pending()
    mail.outbox.clear()

    # When the organizer cancels it and the worker runs
    services.order_cancel(actor=None, order=order, reason="Show moved")
    run_pending()

    # Then the buyer is told, without tickets attached, and both messages are tracked
    (email,) = mail.outbox
    assert email.subject == f"Order {order.code} for Canyon Blues was cancelled"
    assert email.attachments == []
    kinds = [(m.kind, m.status) for m in messages_of(order)]
    assert kinds == [
        (MessageKind.ORDER_CONFIRMATION, MessageStatus.SENT),
        (MessageKind.ORDER_CANCELLED, MessageStatus.SENT),
    ]


def test_a_refused_connection_is_retried_later_and_fails_after_the_last_attempt(
    ticket_type: TicketType,
) -> None:
    # Given a paid order while the mail server is down (connections refused)
    order = sell(ticket_type)
    delays = []
    with override_settings(MAILERS=refusing_mailer()):
        # When the worker tries, and tries again each time the retry is due
        for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
            before = clock.now()
            assert run_pending() == 1
            message = message_of(order)
            assert message.attempts == attempt
            assert "ConnectionRefusedError" in message.last_error
            if attempt < delivery.MAX_ATTEMPTS:
                # Then each failure queues the message again, a growing delay later
                assert message.status == MessageStatus.QUEUED
                pending = [t for t in tasks() if t.status == "READY"]
                assert len(pending) == 1
                assert pending[0].run_after == message.next_attempt_at
                delays.append(message.next_attempt_at - before)
                assert run_pending() == 0  # not due yet
                make_retries_due()

    # Then the delays grow (1 min, 5 min, 30 min, 2 h, give or take 10 %)
    for delay, base in zip(delays, delivery.RETRY_DELAYS, strict=True):
        assert base * 0.89 <= delay <= base * 1.11
    # And after the last attempt the message is failed, audited, and nothing is queued any more
    message = message_of(order)
    assert (message.status, message.next_attempt_at) == (MessageStatus.FAILED, None)
    assert message.failed_at is not None
    assert [t for t in tasks() if t.status == "READY"] == []
    assert mail.outbox == []
    with tenancy.scoped(organizer_id=order.organizer_id):
        entry = AuditLog.objects.get(action="notifications.message.failed")
    assert entry.data == {"kind": "order_confirmation", "attempts": 5, "order": order.pk}


def test_a_message_whose_order_is_gone_fails_at_once(ticket_type: TicketType) -> None:
    # Given a queued confirmation whose order row was removed
    order = sell(ticket_type)
    with tenancy.scoped(organizer_id=order.organizer_id):
        Message.objects.filter(order=order).update(order=None)

    # When the worker runs
    run_pending()

    # Then it is failed without retries, with a plain reason
    with tenancy.scoped(organizer_id=order.organizer_id):
        message = Message.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.last_error == "The order of this email no longer exists."
    assert mail.outbox == []


@override_settings(
    ANYMAIL={"RESEND_API_KEY": "re_live_key_0123456789", "RESEND_SIGNING_SECRET": ""},
    MAILERS={
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "password": "smtp-pass-987654"},
        }
    },
)
def test_error_texts_never_show_a_configured_secret() -> None:
    error = RuntimeError(
        "auth failed for key re_live_key_0123456789 with password smtp-pass-987654\n  at line 2"
    )

    text = delivery.safe_error(error)

    assert text == "RuntimeError: auth failed for key [redacted] with password [redacted] at line 2"


def test_retry_delays_grow_and_stay_within_their_jitter() -> None:
    for attempts, base in enumerate(delivery.RETRY_DELAYS, start=1):
        delay = delivery.retry_delay(attempts)
        assert base * 0.9 <= delay <= base * 1.1
    assert delivery.retry_delay(9) <= timedelta(hours=2) * 1.1
