"""Tickets that stop admitting put their secrets on the event's revocation list, in the same
transaction as the change, and scanners get that list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from blackcanyon.core import clock, tenancy
from blackcanyon.orders import services
from blackcanyon.orders.services.tickets import tickets_cancel
from blackcanyon.tickets import selectors, signing
from blackcanyon.tickets.payloads import payloads_for
from tests.factories import EventFactory, TicketTypeFactory
from tests.tickets.helpers import during, paid_order, public_key, revoked, tickets_of

pytestmark = pytest.mark.django_db


def test_cancelling_a_paid_order_revokes_every_ticket_secret(concert, floor):
    # Given a paid order of two tickets
    order = paid_order(floor, 2)
    secrets = {t.secret for t in tickets_of(order)}

    # When the organizer cancels it
    services.order_cancel(actor=None, order=order, reason="Duplicate")

    # Then both secrets are on the event's list as cancelled, and the tickets are cancelled
    assert revoked(concert) == dict.fromkeys(secrets, "cancelled")
    assert {t.status for t in tickets_of(order)} == {"cancelled"}


def test_a_cancelled_tickets_qr_code_is_refused_as_revoked(concert, floor):
    order = paid_order(floor, 1)
    with tenancy.scoped(organizer_id=order.organizer_id):
        payload = payloads_for(tickets_of(order), concert)[tickets_of(order)[0].pk]

    services.order_cancel(actor=None, order=order)

    with pytest.raises(signing.PayloadRefused) as caught:
        signing.verify(
            payload,
            public_key(concert),
            event_id=concert.pk,
            now=during(concert),
            revoked=revoked(concert),
        )
    assert caught.value.code == "revoked"


def test_revocation_rolls_back_with_the_cancellation(concert, floor):
    order = paid_order(floor, 1)

    def cancel_then_crash() -> None:
        with tenancy.scoped(organizer_id=order.organizer_id), transaction.atomic():
            services.order_cancel(actor=None, order=order)
            raise RuntimeError("crash after the cancel, before COMMIT")

    with pytest.raises(RuntimeError, match="crash"):
        cancel_then_crash()

    assert revoked(concert) == {}
    assert {t.status for t in tickets_of(order)} == {"valid"}


def test_a_refund_revokes_with_its_reason(concert, floor):
    order = paid_order(floor, 2)

    with tenancy.scoped(organizer_id=order.organizer_id), transaction.atomic():
        cancelled = tickets_cancel(order=order, reason="refunded")

    assert cancelled == 2
    assert set(revoked(concert).values()) == {"refunded"}


def test_cancelling_twice_revokes_each_secret_once(concert, floor):
    order = paid_order(floor, 1)

    with tenancy.scoped(organizer_id=order.organizer_id), transaction.atomic():
        first = tickets_cancel(order=order)
        second = tickets_cancel(order=order)

    assert (first, second) == (1, 0)
    assert len(revoked(concert)) == 1


def test_other_orders_and_events_keep_their_tickets(concert, floor):
    order, other = paid_order(floor, 1), paid_order(floor, 1)
    elsewhere = EventFactory(organizer=concert.organizer)
    paid_order(TicketTypeFactory(event=elsewhere), 1)

    services.order_cancel(actor=None, order=order)

    assert list(revoked(concert)) == [tickets_of(order)[0].secret]
    assert revoked(elsewhere) == {}
    assert tickets_of(other)[0].status == "valid"


def test_revoked_secrets_lists_the_event_oldest_first_and_since_a_moment(concert, floor):
    # Given one order cancelled an hour ago and one now
    early, late = paid_order(floor, 1), paid_order(floor, 1)
    an_hour_ago = clock.now() - timedelta(hours=1)
    services.order_cancel(actor=None, order=early, now=an_hour_ago)
    services.order_cancel(actor=None, order=late)

    with tenancy.scoped(organizer_id=concert.organizer_id):
        everything = [r.secret for r in selectors.revoked_secrets(concert)]
        recent = [
            r.secret for r in selectors.revoked_secrets(concert, an_hour_ago + timedelta(minutes=1))
        ]
        inclusive = [r.secret for r in selectors.revoked_secrets(concert, since=an_hour_ago)]

    assert everything == [tickets_of(early)[0].secret, tickets_of(late)[0].secret]
    assert recent == [tickets_of(late)[0].secret]
    assert inclusive == everything


def test_revoked_secrets_of_another_event_are_not_listed(concert, floor):
    services.order_cancel(actor=None, order=paid_order(floor, 1))
    elsewhere = EventFactory(organizer=concert.organizer)

    with tenancy.scoped(organizer_id=concert.organizer_id):
        assert list(selectors.revoked_secrets(elsewhere)) == []
        assert len(selectors.revoked_secrets(concert)) == 1


def test_revocations_carry_the_ticket_and_time(concert, floor):
    order = paid_order(floor, 1)
    ticket = tickets_of(order)[0]
    moment = clock.now()

    services.order_cancel(actor=None, order=order, now=moment)

    with tenancy.scoped(organizer_id=concert.organizer_id):
        row = selectors.revoked_secrets(concert).get()
    assert (row.ticket_id, row.secret, row.reason) == (ticket.pk, ticket.secret, "cancelled")
    assert row.revoked_at == moment
    assert row.organizer_id == concert.organizer_id
