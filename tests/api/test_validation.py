"""Bad input always gets a 422 ``validation_failed`` naming the fields, never a 500, and sells
nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient, Seller, order_body, orders_of

pytestmark = pytest.mark.django_db


def orders_url(seller: Seller) -> str:
    return f"/api/v1/events/{seller.event.pk}/orders/"


def _refused(response, *fields: str) -> dict:
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"]
    for field in fields:
        assert field in error["fields"], error["fields"]
        assert all(isinstance(m, str) and m for m in error["fields"][field])
    return error


@pytest.mark.parametrize(
    "raw",
    ['{"items": [', "not json at all", "\xff\xfe", '{"items": [{"ticket_type_id": 1,}]}'],
)
def test_a_body_that_is_not_json_is_422(api: ApiClient, seller: Seller, raw: str):
    error = _refused(api.post(orders_url(seller), raw=raw), "body")
    assert error["fields"]["body"] == ["The request body is not valid JSON."]


def test_an_empty_body_is_422(api: ApiClient, seller: Seller):
    _refused(api.post(orders_url(seller), raw=""), "body")


@pytest.mark.parametrize("raw", ["[]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_422(api: ApiClient, seller: Seller, raw: str):
    _refused(api.post(orders_url(seller), raw=raw))


def test_wrong_types_are_named_per_field(api: ApiClient, seller: Seller):
    # Given an order with a text quantity, a list as buyer name and no payment
    body = {
        "items": [{"ticket_type_id": seller.floor.pk, "quantity": "two"}],
        "buyer": {"name": ["Ana"], "email": "ana@example.com"},
    }

    # When it is posted
    error = _refused(
        api.post(orders_url(seller), body), "items.0.quantity", "buyer.name", "payment"
    )

    # Then each problem is named where it is, and nothing was sold
    assert "integer" in error["fields"]["items.0.quantity"][0]
    assert orders_of(seller.organizer) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"ticket_type_id": 1, "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": 1, "quantity": -3}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": 1, "quantity": 2.5}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": 1, "quantity": "2"}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": "1", "quantity": 1}]}, "items.0.ticket_type_id"),
        ({"items": [{"ticket_type_id": 1, "quantity": 10**30}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": 1}]}, "items.0.quantity"),
        ({"items": [{"ticket_type_id": 1, "quantity": 1, "price": 0}]}, "items.0.price"),
        ({"items": "everything"}, "items"),
        ({"buyer": {"name": "   ", "email": ""}}, "buyer.name"),
        ({"buyer": {"name": "A" * 151}}, "buyer.name"),
        ({"buyer": {"name": "Ana", "email": "not-an-email"}}, "buyer.email"),
        ({"buyer": None}, "buyer"),
        ({"payment": {"method": "card"}}, "payment.method"),
        ({"payment": {}}, "payment.method"),
        ({"discount": "FREE"}, "discount"),
    ],
)
def test_invalid_values_are_refused_with_their_field(
    api: ApiClient, seller: Seller, change: dict, field: str
):
    body = order_body((seller.floor.pk, 1))
    body.update(change)

    error = _refused(api.post(orders_url(seller), body), field)

    assert orders_of(seller.organizer) == []
    assert error["fields"][field]


def test_a_bad_email_is_explained(api: ApiClient, seller: Seller):
    body = order_body((seller.floor.pk, 1), email="ana@")
    error = _refused(api.post(orders_url(seller), body), "buyer.email")
    assert error["fields"]["buyer.email"] == ["Enter a valid email address."]


def test_only_box_office_payments_are_accepted(api: ApiClient, seller: Seller):
    body = order_body((seller.floor.pk, 1))
    body["payment"]["method"] = "stripe"
    error = _refused(api.post(orders_url(seller), body), "payment.method")
    assert "box_office" in error["fields"]["payment.method"][0]


@pytest.mark.parametrize("key", ["", "k" * 129])
def test_bad_idempotency_keys_are_refused(api: ApiClient, seller: Seller, key: str):
    response = api.post(
        orders_url(seller), order_body((seller.floor.pk, 1)), HTTP_IDEMPOTENCY_KEY=key
    )
    _refused(response, "Idempotency-Key")


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1000", "limit=ten", "offset=-1", "offset=x&limit=2"]
)
def test_bad_pagination_is_refused(api: ApiClient, seller: Seller, query: str):
    _refused(api.get(f"/api/v1/events/?{query}"))
    _refused(api.get(f"{orders_url(seller)}?{query}"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/abc/orders/",
        "/api/v1/events/1.5/ticket-types/",
        "/api/v1/events/0/ticket-types/",
        f"/api/v1/events/{10**30}/ticket-types/",
    ],
)
def test_an_event_id_that_is_no_id_is_422(api: ApiClient, path: str):
    _refused(api.get(path), "event_id")


def test_an_unknown_event_is_404(api: ApiClient, seller: Seller):
    response = api.post("/api/v1/events/999999/orders/", order_body((seller.floor.pk, 1)))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
