"""Re-issuing a ticket: a new QR code for the buyer, the old one refused at the door."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, Ticket
from blackcanyon.organizers.models import Membership, Role
from blackcanyon.tickets import errors, signing
from blackcanyon.tickets.payloads import ticket_payload
from blackcanyon.tickets.services import ticket_reissue
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.tickets.helpers import (
    during,
    page_text,
    paid_order,
    public_key,
    revoked,
    tickets_of,
)

pytestmark = pytest.mark.django_db


def _payload(ticket: Ticket) -> str:
    with tenancy.scoped(organizer_id=ticket.organizer_id):
        return ticket_payload(ticket, ticket.event)


def _verify(payload: str, ticket: Ticket) -> signing.TicketClaims:
    event = ticket.event
    return signing.verify(
        payload, public_key(event), event_id=event.pk, now=during(event), revoked=revoked(event)
    )


def _reissue_url(order: Order, ticket: Ticket) -> str:
    return reverse(
        "orders:organizer_ticket_reissue",
        kwargs={
            "organizer_slug": order.event.organizer.slug,
            "code": order.code,
            "ticket_id": ticket.pk,
        },
    )


def _detail_url(order: Order) -> str:
    return reverse(
        "orders:organizer_order_detail",
        kwargs={"organizer_slug": order.event.organizer.slug, "code": order.code},
    )


# --- the service --------------------------------------------------------------------------------


def test_reissue_gives_a_new_secret_and_revokes_the_old_one(concert, floor):
    # Given a paid ticket whose QR code admits
    order = paid_order(floor, 2)
    ticket, other = tickets_of(order)
    old_payload = _payload(ticket)
    assert _verify(old_payload, ticket)

    # When the organizer re-issues it
    new = ticket_reissue(actor=None, ticket=ticket)

    # Then the old QR code is refused as revoked and the new one admits
    assert new.secret != ticket.secret
    assert tickets_of(order)[0].secret == new.secret
    assert revoked(concert) == {ticket.secret: "reissued"}
    with pytest.raises(signing.PayloadRefused) as caught:
        _verify(old_payload, ticket)
    assert caught.value.code == "revoked"
    assert _verify(_payload(tickets_of(order)[0]), ticket).secret == new.secret
    # And the order's other ticket is untouched
    assert tickets_of(order)[1].secret == other.secret
    assert _verify(_payload(other), other)


def test_reissue_is_audited_on_the_order(concert, floor):
    owner = MembershipFactory(organizer=concert.organizer, role=Role.OWNER)
    order = paid_order(floor, 1)
    ticket = tickets_of(order)[0]

    ticket_reissue(actor=owner.user, ticket=ticket)

    with tenancy.scoped(organizer_id=concert.organizer_id):
        entry = AuditLog.objects.get(action="tickets.ticket.reissued")
    assert entry.object_type == "orders.order"
    assert entry.object_id == str(order.pk)
    assert entry.data == {"ticket_id": ticket.pk}
    assert entry.actor_id == owner.user_id
    assert ticket.secret not in str(entry.data)


def test_reissue_emails_the_buyer_the_new_ticket(concert, floor):
    order = paid_order(floor, 1, email="ana@example.com")
    run_pending()
    mail.outbox.clear()

    ticket_reissue(actor=None, ticket=tickets_of(order)[0])
    run_pending()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert order.code in mail.outbox[0].subject


@pytest.mark.parametrize("state", ["cancelled_order", "cancelled_ticket"])
def test_only_a_valid_ticket_of_a_paid_order_is_reissued(concert, floor, state):
    order = paid_order(floor, 1)
    ticket = tickets_of(order)[0]
    if state == "cancelled_order":
        services.order_cancel(actor=None, order=order)
    else:
        with tenancy.scoped(organizer_id=order.organizer_id):
            Ticket.objects.filter(pk=ticket.pk).update(status="cancelled")
    before = revoked(concert)

    with pytest.raises(errors.TicketNotReissuable):
        ticket_reissue(actor=None, ticket=ticket)

    assert tickets_of(order)[0].secret == ticket.secret
    assert revoked(concert) == before


def test_reissuing_twice_revokes_both_old_secrets(concert, floor):
    order = paid_order(floor, 1)
    first = tickets_of(order)[0]

    second = ticket_reissue(actor=None, ticket=first)
    third = ticket_reissue(actor=None, ticket=second)

    assert revoked(concert) == {first.secret: "reissued", second.secret: "reissued"}
    assert third.secret not in revoked(concert)


# --- the organizer's button ---------------------------------------------------------------------


@pytest.fixture
def manager(concert) -> Membership:
    return MembershipFactory(organizer=concert.organizer, role=Role.STAFF)


@pytest.fixture
def manager_client(client: Client, manager: Membership) -> Client:
    client.force_login(manager.user)
    return client


def test_order_detail_offers_reissue_for_each_valid_ticket(manager_client, floor):
    order = paid_order(floor, 2)
    valid, cancelled = tickets_of(order)
    with tenancy.scoped(organizer_id=order.organizer_id):
        Ticket.objects.filter(pk=cancelled.pk).update(status="cancelled")

    response = manager_client.get(_detail_url(order))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{_reissue_url(order, valid)}"' in html
    assert _reissue_url(order, cancelled) not in html
    assert "The old QR code stops working" in page_text(response)


def test_order_detail_hides_reissue_from_viewers_and_unpaid_orders(client, concert, floor):
    # A scanner may not manage orders; a pending order has no tickets to re-issue
    order = paid_order(floor, 1)
    admin = MembershipFactory(organizer=concert.organizer, role=Role.ADMIN)
    client.force_login(admin.user)
    services.order_cancel(actor=None, order=order)

    response = client.get(_detail_url(order))

    assert response.status_code == 200
    assert "Re-issue" not in response.content.decode()


def test_reissue_button_reissues_and_says_so(manager_client, concert, floor):
    order = paid_order(floor, 1, email="ana@example.com")
    ticket = tickets_of(order)[0]

    response = manager_client.post(_reissue_url(order, ticket), follow=True)

    assert response.redirect_chain[-1][0] == _detail_url(order)
    text = page_text(response)
    assert f"Ticket #{ticket.pk} re-issued: its old QR code no longer admits." in text
    assert "on its way to ana@example.com" in text
    assert revoked(concert) == {ticket.secret: "reissued"}
    assert "Ticket re-issued (new QR code)" in text  # the order's timeline


def test_reissue_of_a_cancelled_ticket_is_refused_with_a_message(manager_client, concert, floor):
    order = paid_order(floor, 1)
    ticket = tickets_of(order)[0]
    services.order_cancel(actor=None, order=order)

    response = manager_client.post(_reissue_url(order, ticket), follow=True)

    assert response.status_code == 200
    assert errors.TicketNotReissuable.default_message in page_text(response)


def test_reissue_needs_a_post(manager_client, floor):
    order = paid_order(floor, 1)

    response = manager_client.get(_reissue_url(order, tickets_of(order)[0]))

    assert response.status_code == 405


def test_reissue_needs_the_csrf_token(manager, floor):
    order = paid_order(floor, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager.user)

    response = client.post(_reissue_url(order, tickets_of(order)[0]))

    assert response.status_code == 403
    assert revoked(order.event) == {}


def test_a_scanner_may_not_reissue(client, concert, floor):
    scanner = MembershipFactory(organizer=concert.organizer, role=Role.SCANNER)
    client.force_login(scanner.user)
    order = paid_order(floor, 1)

    response = client.post(_reissue_url(order, tickets_of(order)[0]))

    assert response.status_code == 403
    assert revoked(concert) == {}


def test_another_organizers_ticket_is_not_found(manager_client, concert, floor):
    order = paid_order(floor, 1)
    foreign_type: TicketType = TicketTypeFactory(event=EventFactory())
    foreign = paid_order(foreign_type, 1)
    foreign_ticket = tickets_of(foreign)[0]

    # The ticket id of another organizer's order under this organizer's order
    response = manager_client.post(_reissue_url(order, foreign_ticket))

    assert response.status_code == 404
    assert revoked(foreign.event) == {}
    assert tickets_of(foreign)[0].secret == foreign_ticket.secret
