"""The public-page microcache: shared by anonymous visitors, each with their own CSRF token."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from blackcanyon.core import pagecache, tenancy
from blackcanyon.events.models import TicketType
from tests.factories import TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _cache_on():
    pagecache.clear()
    with override_settings(BCT_PAGE_CACHE_SECONDS=30):
        yield
    pagecache.clear()


def _page(client, ticket_type):
    event = ticket_type.event
    return client.get(f"/e/{event.organizer.slug}/{event.slug}/")


def test_anonymous_visitors_share_the_page_but_not_the_csrf_token():
    ticket_type = TicketTypeFactory(name="Floor")
    first, second = Client(), Client()

    # When two anonymous visitors open the event page
    one = _page(first, ticket_type)
    two = _page(second, ticket_type)

    # Then the second is served from the cache, and each form carries that visitor's own token
    assert one["X-Page-Cache"] == "miss"
    assert two["X-Page-Cache"] == "hit"
    assert "Floor" in two.text
    token_one, token_two = TOKEN_RE.search(one.text)[1], TOKEN_RE.search(two.text)[1]
    assert token_one != token_two
    assert "__bct_csrf_token__" not in two.text

    # And the cached form still posts: the token matches the second visitor's cookie
    event = ticket_type.event
    response = Client(enforce_csrf_checks=True)
    response.cookies = second.cookies
    posted = response.post(
        f"/e/{event.organizer.slug}/{event.slug}/",
        {f"qty_{ticket_type.pk}": "1", "csrfmiddlewaretoken": token_two},
    )
    assert posted.status_code == 302


def test_a_cached_page_is_at_most_the_cache_time_old_and_logged_in_users_bypass_it():
    ticket_type = TicketTypeFactory(name="Floor")
    _page(Client(), ticket_type)
    with tenancy.for_organizer(ticket_type.organizer_id):
        TicketType.objects.filter(pk=ticket_type.pk).update(name="Renamed floor")

    # Anonymous visitors still get the cached copy within the cache time
    assert "Renamed floor" not in _page(Client(), ticket_type).text

    # A logged-in user always gets a fresh page
    client = Client()
    client.force_login(UserFactory())
    fresh = _page(client, ticket_type)
    assert "Renamed floor" in fresh.text
    assert "X-Page-Cache" not in fresh

    # And once the cache time has passed everyone sees the change
    pagecache.clear()
    assert "Renamed floor" in _page(Client(), ticket_type).text
