"""Organizer actions on an order through HTTP: cancel (with a confirmation step), mark paid
(offline payment) and resend the confirmation. Refusals are messages, never a 500.

``transaction=True``: emails are tasks enqueued on commit, so commits must be real.
"""

from __future__ import annotations

import pytest
from django.core import mail

from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.models import OrderStatus, TicketStatus
from tests.orders.organizer.helpers import (
    fresh,
    page_text,
    paid_order,
    pending_order,
    reserve,
    taken,
    ticket_statuses,
)

pytestmark = pytest.mark.django_db(transaction=True)


def order_url(owner, order, action: str = "") -> str:
    return f"/o/{owner.organizer.slug}/orders/{order.code}/" + (f"{action}/" if action else "")


def deliver() -> list[mail.EmailMessage]:
    run_pending()
    return list(mail.outbox)


def test_cancelling_a_paid_order_asks_first(owner_client, owner, ticket_type):
    order = paid_order(ticket_type, 2)

    response = owner_client.get(order_url(owner, order, "cancel"))

    text = page_text(response)
    assert response.status_code == 200
    assert f"Cancel order {order.code}?" in text
    assert "The buyer is emailed" in text
    assert fresh(order).status == OrderStatus.PAID  # nothing happened yet


def test_cancelling_a_paid_order_releases_seats_cancels_tickets_and_emails_the_buyer(
    owner_client, owner, ticket_type
):
    # Given a paid order of 2 tickets (its confirmation already delivered)
    order = paid_order(ticket_type, 2, email="ana@example.com")
    deliver()
    mail.outbox.clear()
    assert taken(ticket_type) == (2, 2)

    # When the owner confirms the cancellation with a reason
    response = owner_client.post(
        order_url(owner, order, "cancel"), {"reason": "Asked by phone"}, follow=True
    )

    # Then the order is cancelled, its seats are back and its tickets no longer valid
    text = page_text(response)
    assert response.status_code == 200
    assert f"Order {order.code} cancelled" in text
    assert "The buyer has been emailed" in text
    assert fresh(order).status == OrderStatus.CANCELLED
    assert taken(ticket_type) == (0, 0)
    assert ticket_statuses(order) == [TicketStatus.CANCELLED, TicketStatus.CANCELLED]
    assert "Reason: Asked by phone" in text
    # And the buyer is told
    sent = deliver()
    assert [m.to for m in sent] == [["ana@example.com"]]
    assert order.code in sent[0].body
    assert "cancelled" in sent[0].body


def test_cancelling_a_reservation_releases_its_seats_without_email(
    owner_client, owner, ticket_type
):
    order = reserve(ticket_type, 3)
    assert taken(ticket_type) == (3, 3)

    owner_client.post(order_url(owner, order, "cancel"), {"reason": ""})

    assert fresh(order).status == OrderStatus.CANCELLED
    assert taken(ticket_type) == (0, 0)
    assert deliver() == []


def test_cancelling_twice_shows_a_message_not_an_error(owner_client, owner, ticket_type):
    order = paid_order(ticket_type)
    owner_client.post(order_url(owner, order, "cancel"), {"reason": ""})

    response = owner_client.post(order_url(owner, order, "cancel"), {"reason": ""}, follow=True)

    assert response.status_code == 200
    assert "A cancelled order cannot be cancelled." in page_text(response)
    assert taken(ticket_type) == (0, 0)  # seats were released once only


def test_a_too_long_reason_keeps_the_form_with_what_was_typed(owner_client, owner, ticket_type):
    order = paid_order(ticket_type)
    reason = "x" * 501

    response = owner_client.post(order_url(owner, order, "cancel"), {"reason": reason})

    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters" in page_text(response)
    assert reason in response.content.decode()
    assert fresh(order).status == OrderStatus.PAID


def test_marking_a_pending_order_paid_issues_tickets_and_emails_them(
    owner_client, owner, ticket_type
):
    # Given a buyer who entered details and will pay by bank transfer
    order = pending_order(ticket_type, 2, email="ana@example.com")

    # When the owner marks it paid
    response = owner_client.post(order_url(owner, order, "mark-paid"), follow=True)

    # Then it is paid, two tickets are valid and the buyer gets the confirmation
    text = page_text(response)
    assert f"Order {order.code} marked paid" in text
    assert "Marked paid (offline payment), tickets issued by Olive Owner" in text
    stored = fresh(order)
    assert stored.status == OrderStatus.PAID
    assert stored.payment_provider == "offline"
    assert ticket_statuses(order) == [TicketStatus.VALID, TicketStatus.VALID]
    assert taken(ticket_type) == (2, 2)
    sent = deliver()
    assert [m.to for m in sent] == [["ana@example.com"]]


def test_marking_a_paid_order_paid_again_is_refused_with_a_message(
    owner_client, owner, ticket_type
):
    order = paid_order(ticket_type)

    response = owner_client.post(order_url(owner, order, "mark-paid"), follow=True)

    assert response.status_code == 200
    assert "Only an order waiting for payment can be marked paid." in page_text(response)
    assert ticket_statuses(order) == [TicketStatus.VALID]


def test_resending_the_confirmation_queues_an_email(owner_client, owner, ticket_type):
    order = paid_order(ticket_type, email="ana@example.com")
    deliver()
    mail.outbox.clear()

    response = owner_client.post(order_url(owner, order, "resend"), follow=True)

    assert "The confirmation email is on its way to ana@example.com" in page_text(response)
    sent = deliver()
    assert [m.to for m in sent] == [["ana@example.com"]]
    assert order.code in sent[0].subject


def test_resending_for_an_unpaid_order_is_refused_with_a_message(owner_client, owner, ticket_type):
    order = pending_order(ticket_type)

    response = owner_client.post(order_url(owner, order, "resend"), follow=True)

    assert response.status_code == 200
    assert "Only paid orders have a confirmation to resend." in page_text(response)
    assert deliver() == []


def test_actions_need_post(owner_client, owner, ticket_type):
    order = pending_order(ticket_type)

    assert owner_client.get(order_url(owner, order, "mark-paid")).status_code == 405
    assert owner_client.get(order_url(owner, order, "resend")).status_code == 405
    assert fresh(order).status == OrderStatus.PENDING
