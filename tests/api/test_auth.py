"""Bearer tokens: who gets in, what the refusals say, the rate limit, and last-used bookkeeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blackcanyon.api import services
from blackcanyon.core import clock
from tests.api.conftest import ApiClient, Seller, tokens_of

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


def _unauthorized(response, code: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["fields"] == {}


def test_a_valid_token_gets_in(api: ApiClient):
    response = api.get(EVENTS)
    assert response.status_code == 200


def test_no_token_is_401_token_missing(seller: Seller):
    _unauthorized(Client().get(EVENTS), "token_missing")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "bct_abc"])
def test_a_malformed_header_is_401_token_missing(seller: Seller, header: str):
    _unauthorized(Client().get(EVENTS, HTTP_AUTHORIZATION=header), "token_missing")


@pytest.mark.parametrize(
    "token",
    ["bct_aaaaaaaa_wrong", "not-even-ours", "bct_" + "x" * 500, "Bearer bct_x_y"],
)
def test_an_unknown_token_is_401_token_invalid(seller: Seller, token: str):
    _unauthorized(Client().get(EVENTS, HTTP_AUTHORIZATION=f"Bearer {token}"), "token_invalid")


def test_a_token_with_one_character_changed_is_refused(seller: Seller):
    tampered = seller.plaintext[:-1] + ("A" if seller.plaintext[-1] != "A" else "B")
    _unauthorized(ApiClient(tampered).get(EVENTS), "token_invalid")


def test_a_revoked_token_is_401_token_revoked(seller: Seller):
    # Given a token that worked
    api = ApiClient(seller.plaintext)
    assert api.get(EVENTS).status_code == 200

    # When it is revoked, its very next request is refused
    services.api_token_revoke(actor=seller.owner.user, token=seller.token)
    _unauthorized(api.get(EVENTS), "token_revoked")
    _unauthorized(api.post(f"/api/v1/events/{seller.event.pk}/orders/", {}), "token_revoked")


def test_the_scheme_is_case_insensitive(seller: Seller):
    response = Client().get(EVENTS, HTTP_AUTHORIZATION=f"bearer {seller.plaintext}")
    assert response.status_code == 200


def test_a_signed_in_session_is_no_api_credential(client, seller: Seller):
    # Given the organizer's owner signed in to the website
    client.force_login(seller.owner.user)

    # Then the API still wants a token
    _unauthorized(client.get(EVENTS), "token_missing")


def test_every_endpoint_needs_a_token(seller: Seller):
    anonymous = Client()
    paths = [
        ("get", EVENTS),
        ("get", f"/api/v1/events/{seller.event.pk}/ticket-types/"),
        ("get", f"/api/v1/events/{seller.event.pk}/orders/"),
        ("post", f"/api/v1/events/{seller.event.pk}/orders/"),
        ("get", "/api/v1/orders/ABCDEFGH/"),
    ]
    for method, path in paths:
        _unauthorized(getattr(anonymous, method)(path), "token_missing")


def test_the_rate_limit_per_token_answers_429(settings, seller: Seller, other: Seller):
    # Given a limit of 3 requests a minute per token
    settings.BCT_API_RATE_LIMIT = 3
    api = ApiClient(seller.plaintext)
    start = clock.now().replace(second=1, microsecond=0)

    with clock.frozen(start):
        # When a client sends a fourth request within the minute
        statuses = [api.get(EVENTS).status_code for _ in range(4)]
        limited = api.get(EVENTS)
        # Then it is refused with rate_limited and told when to come back
        assert statuses == [200, 200, 200, 429]
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited["Retry-After"]) <= 60
        # And another organizer's token is not affected
        assert ApiClient(other.plaintext).get(EVENTS).status_code == 200

    # And the next minute the token works again
    with clock.frozen(start + timedelta(minutes=1)):
        assert api.get(EVENTS).status_code == 200


def test_repeated_bad_tokens_from_one_address_are_slowed_down(settings, seller: Seller):
    settings.BCT_API_AUTH_FAILURE_LIMIT = 2
    bad = ApiClient("bct_aaaaaaaa_nope")

    with clock.frozen(clock.now().replace(second=1)):
        statuses = [bad.get(EVENTS).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_last_used_is_written_at_most_once_a_minute(seller: Seller):
    # Given a token never used
    api = ApiClient(seller.plaintext)
    assert tokens_of(seller.organizer)[0].last_used_at is None
    start = clock.now()

    # When it is used twice within a minute
    with clock.frozen(start):
        api.get(EVENTS)
    with clock.frozen(start + timedelta(seconds=30)):
        api.get(EVENTS)
    # Then the first use is recorded
    assert tokens_of(seller.organizer)[0].last_used_at == start

    # And a use a minute later moves it on
    with clock.frozen(start + timedelta(seconds=61)):
        api.get(EVENTS)
    assert tokens_of(seller.organizer)[0].last_used_at == start + timedelta(seconds=61)


def test_a_request_within_the_minute_does_not_write(seller: Seller):
    # Given a token used a moment ago
    api = ApiClient(seller.plaintext)
    start = clock.now()
    with clock.frozen(start):
        api.get(EVENTS)

    # When it is used again ten seconds later
    with clock.frozen(start + timedelta(seconds=10)), CaptureQueriesContext(connection) as q:
        api.get(EVENTS)

    # Then that request writes nothing
    writes = [
        x["sql"] for x in q.captured_queries if x["sql"].lstrip().upper().startswith("UPDATE")
    ]
    assert writes == []
