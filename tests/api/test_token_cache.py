"""API tokens cached per web process (``API_TOKEN_CACHE_SECONDS``): no lookup while cached, a
revocation in this process refuses at once, one made elsewhere within the cache time."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from blackcanyon.api import selectors, services
from blackcanyon.api.models import ApiToken
from blackcanyon.core import clock, tenancy
from tests.api.conftest import ApiClient, Seller

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = "/api/v1/events/"


@pytest.fixture(autouse=True)
def _empty_cache():
    selectors._token_cache.clear()
    yield
    selectors._token_cache.clear()


def _token_queries(api: ApiClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(EVENTS).status_code == 200
    return sum("api_apitoken" in q["sql"] for q in queries.captured_queries)


@override_settings(BCT_API_TOKEN_CACHE_SECONDS=60)
def test_a_cached_token_is_not_looked_up_again(api: ApiClient):
    assert _token_queries(api) == 2  # the lookup, and last_used_at written once a minute
    assert _token_queries(api) == 0


@override_settings(BCT_API_TOKEN_CACHE_SECONDS=60)
def test_revoking_in_this_process_refuses_the_next_request(api: ApiClient, seller: Seller):
    assert api.get(EVENTS).status_code == 200
    services.api_token_revoke(actor=seller.owner.user, token=seller.token)
    response = api.get(EVENTS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


class _Later:
    """The ``time`` module as the token cache reads it, ``ahead`` seconds in the future."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead


@override_settings(BCT_API_TOKEN_CACHE_SECONDS=60)
def test_a_revocation_elsewhere_takes_effect_within_the_cache_time(
    api: ApiClient, seller: Seller, monkeypatch: pytest.MonkeyPatch
):
    assert api.get(EVENTS).status_code == 200
    # Another web process revokes it (only the database changes here)
    with tenancy.scoped(organizer_id=seller.organizer.pk):
        ApiToken.objects.filter(pk=seller.token.pk).update(revoked_at=clock.now())
    assert api.get(EVENTS).status_code == 200  # still cached: the documented delay
    monkeypatch.setattr(selectors, "time", _Later(61))  # the cache time has passed
    assert api.get(EVENTS).status_code == 401
