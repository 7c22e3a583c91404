"""The organizer's "Refund…" page: permission, CSRF, the confirmation form, refusals shown on the
form, and refunds on the order page and its timeline."""

from __future__ import annotations

import pytest
from django.test import Client

from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.organizers.models import Role
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.orders.domain.helpers import fresh, tickets
from tests.orders.organizer.helpers import page_text, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> tuple[Client, Order]:
    owner = MembershipFactory(role=Role.OWNER, user__full_name="Olive Owner")
    event = EventFactory(organizer=owner.organizer, title="Canyon Blues")
    floor = TicketTypeFactory(event=event, name="Floor", price=2500, capacity=50)
    client.force_login(owner.user)
    order = paid_order(floor, 2)
    order.owner = owner.user  # type: ignore[attr-defined]
    return client, order


def url(order: Order, suffix: str = "refund/") -> str:
    return f"/o/{order.organizer.slug}/orders/{order.code}/{suffix}"


def test_refund_page_confirms_and_refunds_chosen_tickets(
    owner_client: tuple[Client, Order],
) -> None:
    client, order = owner_client
    # The order page offers "Refund…"
    detail = page_text(client.get(url(order, "")))
    assert "Refund…" in detail
    page = client.get(url(order))
    assert page.status_code == 200
    text = page_text(page)
    assert "Left to refund $50.00" in text
    assert "return the money to the buyer yourself" in text  # paid outside Stripe
    # When one ticket is refunded
    first = tickets(order)[0]
    response = client.post(
        url(order), {"mode": "tickets", "tickets": [first.pk], "reason": "Cannot come"}
    )
    assert response.status_code == 302
    # Then the order page shows the refund, its timeline says so, the ticket is cancelled
    text = page_text(client.get(response["Location"]))
    assert "Refunded $25.00" in text
    assert "Partly refunded" in text
    assert "$25.00; 1 ticket(s) cancelled" in text
    assert "Cannot come" in text
    assert fresh(order).status == OrderStatus.PAID


def test_over_refund_is_refused_on_the_form(owner_client: tuple[Client, Order]) -> None:
    client, order = owner_client
    response = client.post(url(order), {"mode": "amount", "amount": "60.00"})
    assert response.status_code == 200
    assert "That is more than is left to refund" in page_text(response)
    response = client.post(url(order), {"mode": "amount", "amount": "abc"})
    assert "Enter an amount such as 12.50." in page_text(response)
    response = client.post(url(order), {"mode": "full"})
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.REFUNDED
    # a refunded order offers no refund any more
    assert client.get(url(order)).status_code == 302


def test_refunds_need_orders_manage_and_a_csrf_token(owner_client: tuple[Client, Order]) -> None:
    _, order = owner_client
    scanner = MembershipFactory(organizer=order.organizer, role=Role.SCANNER)
    other = Client()
    other.force_login(scanner.user)
    assert other.post(url(order), {"mode": "full"}).status_code in {403, 404}
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(order.owner)  # type: ignore[attr-defined]
    assert strict.post(url(order), {"mode": "full"}).status_code == 403
    assert fresh(order).status == OrderStatus.PAID
