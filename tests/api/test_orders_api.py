"""Box-office sales through the API, idempotent retries, refusals with their codes, and reading
orders back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import EventStatus
from blackcanyon.orders.models import Ticket
from tests.api.conftest import ApiClient, Seller, audit_of, order_body, orders_of, taken
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def orders_url(seller: Seller) -> str:
    return f"/api/v1/events/{seller.event.pk}/orders/"


def test_box_office_sale_returns_the_paid_order_with_its_tickets(api: ApiClient, seller: Seller):
    # Given two Floor tickets and one Balcony ticket asked for at the box office
    body = order_body((seller.floor.pk, 2), (seller.balcony.pk, 1))

    # When the till posts the order
    response = api.post(orders_url(seller), body)

    # Then it is created, paid, priced and ticketed
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "paid"
    assert order["channel"] == "box_office"
    assert order["total"] == 2 * 2500 + 4000
    assert order["currency"] == "USD"
    assert order["event_id"] == seller.event.pk
    assert order["buyer"] == {"name": "Ana Canyon", "email": "ana@example.com"}
    assert len(order["code"]) == 8
    assert [(line["ticket_type_id"], line["quantity"]) for line in order["lines"]] == [
        (seller.floor.pk, 2),
        (seller.balcony.pk, 1),
    ]
    assert sorted(t["ticket_type_id"] for t in order["tickets"]) == sorted(
        [seller.floor.pk, seller.floor.pk, seller.balcony.pk]
    )
    assert all(t["status"] == "valid" and t["id"] for t in order["tickets"])
    # And the seats are taken, the tickets exist and the buyer gets the confirmation
    assert (taken(seller.floor), taken(seller.balcony)) == (2, 1)
    with tenancy.scoped(organizer_id=seller.organizer.pk):
        assert {t.pk for t in Ticket.objects.filter(order__code=order["code"])} == {
            t["id"] for t in order["tickets"]
        }
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_sale_is_audited_as_the_member_who_created_the_token(api: ApiClient, seller: Seller):
    response = api.post(orders_url(seller), order_body((seller.floor.pk, 1)))

    assert response.status_code == 201
    [entry] = audit_of(seller.organizer, "orders.order.sold_at_box_office")
    assert entry.actor_id == seller.owner.user_id
    assert entry.object_id == str(response.json()["id"])


def test_retry_with_the_same_idempotency_key_returns_the_same_order_once(
    api: ApiClient, seller: Seller
):
    # Given a sale made with an Idempotency-Key
    body = order_body((seller.floor.pk, 2))
    first = api.post(orders_url(seller), body, HTTP_IDEMPOTENCY_KEY="till-7-sale-42")
    assert first.status_code == 201

    # When the till retries the same request (say, after a timeout)
    again = api.post(orders_url(seller), body, HTTP_IDEMPOTENCY_KEY="till-7-sale-42")

    # Then it gets the very same order, marked as a replay, and no seat is taken twice
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert taken(seller.floor) == 2
    assert len(orders_of(seller.organizer)) == 1


def test_same_idempotency_key_with_another_body_is_refused(api: ApiClient, seller: Seller):
    api.post(orders_url(seller), order_body((seller.floor.pk, 2)), HTTP_IDEMPOTENCY_KEY="k-1")

    other_quantity = api.post(
        orders_url(seller), order_body((seller.floor.pk, 3)), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    other_buyer = api.post(
        orders_url(seller),
        order_body((seller.floor.pk, 2), name="Someone Else"),
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    for response in (other_quantity, other_buyer):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert taken(seller.floor) == 2


def test_without_idempotency_key_each_request_sells(api: ApiClient, seller: Seller):
    body = order_body((seller.floor.pk, 1))
    codes = {api.post(orders_url(seller), body).json()["code"] for _ in range(2)}
    assert len(codes) == 2
    assert taken(seller.floor) == 2


def test_sold_out_is_409_with_its_code_and_what_is_left(api: ApiClient, seller: Seller):
    # Given the Balcony (5 seats) sold out
    assert api.post(orders_url(seller), order_body((seller.balcony.pk, 5))).status_code == 201

    # When one more is asked for
    response = api.post(orders_url(seller), order_body((seller.balcony.pk, 1)))

    # Then the refusal says sold out, and what is still available
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "sold_out"
    assert "Balcony" in error["message"]
    assert "Floor (10 left)" in error["message"]
    assert error["fields"] == {}
    assert taken(seller.balcony) == 5


def test_fewer_left_than_asked_is_409_not_enough_left(api: ApiClient, seller: Seller):
    api.post(orders_url(seller), order_body((seller.balcony.pk, 4)))

    response = api.post(orders_url(seller), order_body((seller.balcony.pk, 2)))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_enough_left"
    assert taken(seller.balcony) == 4


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ticket_type_id": 999_999}, "unknown_ticket_type"),
        ({"quantity": 11}, "order_limit"),
    ],
)
def test_refusals_of_the_order_rules_have_their_codes(
    api: ApiClient, seller: Seller, change: dict, code: str
):
    body = order_body((seller.floor.pk, 1))
    body["items"][0].update(change)

    response = api.post(orders_url(seller), body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert taken(seller.floor) == 0


def test_other_organizers_ticket_type_cannot_be_sold_on_my_event(
    api: ApiClient, seller: Seller, other: Seller
):
    response = api.post(orders_url(seller), order_body((other.floor.pk, 1)))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_ticket_type"
    assert taken(other.floor) == 0


def test_cancelled_and_draft_events_do_not_sell(api: ApiClient, seller: Seller):
    cancelled = EventFactory(organizer=seller.organizer, status=EventStatus.CANCELLED)
    draft = EventFactory(organizer=seller.organizer, status=EventStatus.DRAFT)
    c_type = TicketTypeFactory(event=cancelled)
    d_type = TicketTypeFactory(event=draft)

    c = api.post(f"/api/v1/events/{cancelled.pk}/orders/", order_body((c_type.pk, 1)))
    d = api.post(f"/api/v1/events/{draft.pk}/orders/", order_body((d_type.pk, 1)))

    assert (c.status_code, c.json()["error"]["code"]) == (409, "event_cancelled")
    assert (d.status_code, d.json()["error"]["code"]) == (404, "event_not_on_sale")


def test_hidden_ticket_types_sell_at_the_box_office(api: ApiClient, seller: Seller):
    hidden = TicketTypeFactory(event=seller.event, name="Crew", hidden=True, price=0)

    response = api.post(orders_url(seller), order_body((hidden.pk, 1)))

    assert response.status_code == 201
    assert response.json()["total"] == 0


def test_the_same_ticket_type_twice_is_added_up(api: ApiClient, seller: Seller):
    body = order_body((seller.floor.pk, 1), (seller.floor.pk, 2))

    response = api.post(orders_url(seller), body)

    assert response.status_code == 201
    assert [line["quantity"] for line in response.json()["lines"]] == [3]


def test_buyer_email_may_be_left_out(api: ApiClient, seller: Seller):
    body = order_body((seller.floor.pk, 1))
    del body["buyer"]["email"]

    response = api.post(orders_url(seller), body)

    assert response.status_code == 201
    assert response.json()["buyer"]["email"] == ""
    run_pending()
    assert mail.outbox == []


# --- Cross-organizer -----------------------------------------------------------------------------


def test_token_of_another_organizer_gets_404_on_events_and_orders(
    api: ApiClient, seller: Seller, other: Seller
):
    # Given an order of organizer B
    other_api = ApiClient(other.plaintext)
    code = other_api.post(orders_url(other), order_body((other.floor.pk, 1))).json()["code"]

    # When organizer A's token reaches for B's event and order
    sell = api.post(orders_url(other), order_body((other.floor.pk, 1)))
    listing = api.get(orders_url(other))
    types = api.get(f"/api/v1/events/{other.event.pk}/ticket-types/")
    order = api.get(f"/api/v1/orders/{code}/")

    # Then everything is "not found", and nothing was sold
    assert (sell.status_code, sell.json()["error"]["code"]) == (404, "event_not_found")
    assert (listing.status_code, listing.json()["error"]["code"]) == (404, "event_not_found")
    assert (types.status_code, types.json()["error"]["code"]) == (404, "event_not_found")
    assert (order.status_code, order.json()["error"]["code"]) == (404, "order_not_found")
    assert taken(other.floor) == 1


# --- Reading orders ------------------------------------------------------------------------------


def test_order_by_code_any_case(api: ApiClient, seller: Seller):
    created = api.post(orders_url(seller), order_body((seller.floor.pk, 2))).json()

    response = api.get(f"/api/v1/orders/{created['code'].lower()}/")

    assert response.status_code == 200
    assert response.json() == created


def test_unknown_order_code_is_404(api: ApiClient):
    response = api.get("/api/v1/orders/NOPE2345/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"


def test_event_orders_are_paginated_newest_first(api: ApiClient, seller: Seller):
    # Given five orders made one minute apart
    start = clock.now()
    codes = []
    for minute in range(5):
        with clock.frozen(start + timedelta(minutes=minute)):
            response = api.post(orders_url(seller), order_body((seller.floor.pk, 1)))
        codes.append(response.json()["code"])

    # When the integrator reads them two at a time
    first = api.get(orders_url(seller) + "?limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    # Then they come newest first, with a total and links between pages
    assert first["count"] == 5
    pages = first["results"] + second["results"] + third["results"]
    assert [o["code"] for o in pages] == codes[::-1]
    assert first["previous"] is None
    assert third["next"] is None
    assert api.get(second["previous"]).json()["results"] == first["results"]


def test_event_orders_can_be_filtered_by_status(api: ApiClient, seller: Seller):
    api.post(orders_url(seller), order_body((seller.floor.pk, 1)))

    paid = api.get(orders_url(seller) + "?status=paid").json()
    expired = api.get(orders_url(seller) + "?status=expired").json()
    bad = api.get(orders_url(seller) + "?status=nonsense")

    assert (paid["count"], expired["count"]) == (1, 0)
    assert bad.status_code == 422
    assert "status" in bad.json()["error"]["fields"]
