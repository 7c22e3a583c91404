"""The organizer sees each email of an order on its detail page: kind, recipient, status, attempts,
last update, and the error when it failed. On a phone in Chromium: tests/e2e/test_order_emails.py.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from blackcanyon.core import tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.notifications.models import Message, MessageStatus
from blackcanyon.orders.models import Order
from blackcanyon.organizers.models import Membership
from tests.factories import MembershipFactory
from tests.notifications.helpers import make_retries_due, refusing_mailer, sell


def detail_text(client: Client, owner: Membership, order: Order) -> str:
    response = client.get(f"/o/{owner.organizer.slug}/orders/{order.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="emails-heading"') : html.index('id="timeline-heading"')]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def failed_order(ticket_type: TicketType) -> Order:
    """A paid order whose confirmation failed on every attempt (mail server down)."""
    order = sell(ticket_type, email="bea@example.com")
    with override_settings(MAILERS=refusing_mailer()):
        for _ in range(5):
            run_pending()
            make_retries_due()
    return order


@pytest.mark.django_db
def test_the_order_page_lists_each_email_with_its_status(
    client: Client, owner: Membership, ticket_type: TicketType
) -> None:
    # Given a paid order whose confirmation was sent, then delivered
    order = sell(ticket_type)
    run_pending()
    with tenancy.scoped(organizer_id=order.organizer_id):
        Message.objects.filter(order=order).update(status=MessageStatus.DELIVERED)
    client.force_login(owner.user)

    # When the owner opens the order
    text = detail_text(client, owner, order)

    # Then they see the email, to whom, its status and attempts
    assert "Emails to the buyer" in text
    assert "Order confirmation Delivered" in text
    assert "To ana@example.com" in text
    assert "1 attempt · sent" in text
    assert "Last update" in text
    assert "Error" not in text


@pytest.mark.django_db
def test_a_failed_email_shows_its_error(
    client: Client, owner: Membership, ticket_type: TicketType
) -> None:
    order = failed_order(ticket_type)
    client.force_login(owner.user)

    text = detail_text(client, owner, order)

    assert "Order confirmation Failed" in text
    assert "To bea@example.com" in text
    assert "5 attempts" in text
    assert "Error: ConnectionRefusedError" in text


@pytest.mark.django_db
def test_a_retrying_email_shows_its_next_try(
    client: Client, owner: Membership, ticket_type: TicketType
) -> None:
    order = sell(ticket_type)
    with override_settings(MAILERS=refusing_mailer()):
        run_pending()
    client.force_login(owner.user)

    text = detail_text(client, owner, order)

    assert "Order confirmation Retrying" in text
    assert "1 attempt · next try" in text
    assert "Error: ConnectionRefusedError" in text


@pytest.mark.django_db
def test_another_organizers_team_sees_no_emails_of_the_order(
    client: Client, owner: Membership, ticket_type: TicketType
) -> None:
    order = sell(ticket_type)
    stranger = MembershipFactory()
    client.force_login(stranger.user)

    response = client.get(f"/o/{stranger.organizer.slug}/orders/{order.code}/")

    assert response.status_code == 404
