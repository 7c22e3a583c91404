"""The organizer's order detail: what was bought, by whom, paid how, and the order's timeline."""

from __future__ import annotations

import pytest
from django.conf import settings

from blackcanyon.orders import services
from blackcanyon.orders.access import order_page_url
from tests.factories import TicketTypeFactory
from tests.orders.organizer.helpers import page_text, paid_order, pending_order, reserve

pytestmark = pytest.mark.django_db


def detail_url(owner, order) -> str:
    return f"/o/{owner.organizer.slug}/orders/{order.code}/"


def test_detail_shows_buyer_lines_totals_code_tickets_payments_and_terms(
    owner_client, owner, ticket_type
):
    # Given a paid order of 2 Floor tickets with a 10% code, after one declined payment
    services.discount_code_create(
        actor=owner.user, event=ticket_type.event, code="early-bird", kind="percent", value=10
    )
    order = pending_order(
        ticket_type, 2, name="Ana Canyon", email="ana@example.com", code="EARLYBIRD"
    )
    services.payment_record_declined(order=order, provider="test", message="Card declined")
    order = services.order_confirm_payment(
        order=order, provider="test", reference="t-ok", amount=4500
    )

    # When the owner opens the order
    response = owner_client.get(detail_url(owner, order))

    # Then they see everything support needs
    assert response.status_code == 200
    text = page_text(response)
    assert f"Order {order.code}" in text
    assert "Paid" in text
    assert "Ana Canyon · ana@example.com" in text
    assert "Floor 2 $25.00 \u2212$2.50 $45.00" in text
    assert "Subtotal $50.00 Discount \u2212$5.00 Total $45.00" in text
    assert "EARLYBIRD (Percentage off)" in text
    assert text.count("Valid") >= 2  # two issued tickets
    assert "Ana Canyon Valid" in text  # attendee name defaults to the buyer
    assert "test Declined Card declined $45.00" in text
    assert "test Approved" in text
    assert "t-ok" in text
    assert f"Terms version {settings.BCT_TERMS_VERSION}" in text
    assert order_page_url(order) in text


def test_timeline_lists_audit_entries_oldest_first_with_labels(owner_client, owner, ticket_type):
    # Given an order reserved, detailed, paid, resent and cancelled by the owner
    order = paid_order(ticket_type)
    services.order_resend_confirmation(actor=owner.user, order=order)
    services.order_cancel(actor=owner.user, order=order, reason="Double booking")

    # When the owner opens it
    text = page_text(owner_client.get(detail_url(owner, order)))

    # Then the timeline tells the story in order, with who did what
    timeline = text[text.index("Timeline") :]
    labels = [
        "Tickets reserved",
        "Buyer details entered, terms accepted",
        "Paid, tickets issued",
        "Confirmation email sent again by Olive Owner",
        "Order cancelled by Olive Owner",
    ]
    positions = [timeline.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "Reason: Double booking" in timeline
    assert "$25.00 via test" in timeline


def test_reservation_shows_it_is_not_paid_yet(owner_client, owner, ticket_type):
    order = reserve(ticket_type, 3)

    text = page_text(owner_client.get(detail_url(owner, order)))

    assert "Reserved" in text
    assert "Held until" in text
    assert "Not entered yet" in text
    assert "No tickets issued" in text
    assert "No payment attempts yet" in text
    assert "Not accepted yet" in text


def test_order_code_in_the_address_is_not_case_sensitive(owner_client, owner, ticket_type):
    order = reserve(ticket_type)

    response = owner_client.get(f"/o/{owner.organizer.slug}/orders/{order.code.lower()}/")

    assert response.status_code == 200
    assert order.code in page_text(response)


def test_unknown_order_is_not_found(owner_client, owner, ticket_type):
    response = owner_client.get(f"/o/{owner.organizer.slug}/orders/NOPE2345/")

    assert response.status_code == 404
    assert "Order not found" in page_text(response)


def test_actions_offered_match_the_order_state(owner_client, owner, ticket_type):
    held = reserve(ticket_type)
    pending = pending_order(TicketTypeFactory(event=ticket_type.event))
    paid = paid_order(ticket_type)

    held_text = page_text(owner_client.get(detail_url(owner, held)))
    pending_text = page_text(owner_client.get(detail_url(owner, pending)))
    paid_text = page_text(owner_client.get(detail_url(owner, paid)))

    assert "Cancel order" in held_text
    assert "Mark paid" not in held_text
    assert "Mark paid" in pending_text
    assert "Resend" not in pending_text
    assert "Resend confirmation email" in paid_text
    assert "Mark paid" not in paid_text
