"""Settings, Payments through the web: who may see it, the Connect button's redirect to Stripe,
the return page, the expired-link page, CSRF and the rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.organizers.models import Membership, Role
from blackcanyon.payments.models import StripeAccount
from blackcanyon.payments.views_connect import CONNECT_STARTS_PER_HOUR
from tests.factories import MembershipFactory
from tests.payments.stripe_stubs import LINK_URL, StripeStub, enabled_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Membership:
    return MembershipFactory(role=Role.OWNER, organizer__slug="canyon-shows")


def _client(membership: Membership, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(membership.user)
    return client


def _url(membership: Membership, suffix: str = "") -> str:
    return f"/o/{membership.organizer.slug}/settings/payments/{suffix}"


def _page(client: Client, membership: Membership) -> str:
    response = client.get(_url(membership))
    assert response.status_code == 200
    return response.content.decode()


def test_without_stripe_keys_the_page_explains_test_mode(owner: Membership) -> None:
    html = _page(_client(owner), owner)
    assert "TEST MODE" in html
    assert "Connect with Stripe" not in html
    assert "Platform fee" in html


def test_settings_and_nav_link_to_payments(owner: Membership) -> None:
    response = _client(owner).get(f"/o/{owner.organizer.slug}/settings/")
    assert _url(owner).encode() in response.content


@pytest.mark.parametrize("role", [Role.STAFF, Role.SCANNER])
def test_only_owners_and_admins_manage_payments(role: Role, stripe_stub: StripeStub) -> None:
    member = MembershipFactory(role=role)
    client = _client(member)
    assert client.get(_url(member)).status_code == 403
    assert client.post(_url(member, "connect/")).status_code == 403
    assert client.get(_url(member, "return/")).status_code == 403
    assert not stripe_stub.mock.calls


def test_strangers_get_not_found(owner: Membership, stripe_stub: StripeStub) -> None:
    stranger = MembershipFactory()
    client = _client(stranger)
    assert client.get(_url(owner)).status_code == 404
    assert client.post(_url(owner, "connect/")).status_code == 404


def test_connect_redirects_to_stripe_and_return_shows_status(
    owner: Membership, stripe_stub: StripeStub
) -> None:
    client = _client(owner)
    # Given the Payments page offers to connect
    assert "Connect with Stripe" in _page(client, owner)

    # When the owner connects
    response = client.post(_url(owner, "connect/"))

    # Then they are sent to Stripe's onboarding link
    assert response.status_code == 302
    assert response["Location"] == LINK_URL
    html = _page(client, owner)
    assert "Onboarding not finished" in html
    assert "Continue with Stripe" in html
    assert "Bank account for payouts" in html  # what Stripe still needs
    assert html.count("Acceptance of Stripe") == 1  # tos_acceptance.date and .ip: one line

    # When they come back after finishing on Stripe
    stripe_stub.account = enabled_account()
    response = client.get(_url(owner, "return/"), follow=True)

    # Then the page shows the account is ready
    html = response.content.decode()
    assert "Charges enabled" in html
    assert "you can sell paid tickets" in html
    assert "Update your details on Stripe" in html


def test_return_page_when_stripe_is_down_keeps_the_last_status(
    owner: Membership, stripe_stub: StripeStub
) -> None:
    client = _client(owner)
    client.post(_url(owner, "connect/"))
    stripe_stub.fail("retrieve_account", 503, "boom", "api_error")
    response = client.get(_url(owner, "return/"), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "could not be reached" in html
    assert "Onboarding not finished" in html


def test_connect_failure_shows_a_message_not_an_error_page(
    owner: Membership, stripe_stub: StripeStub
) -> None:
    stripe_stub.fail("create_account", 400, "nope", "invalid_request_error")
    response = _client(owner).post(_url(owner, "connect/"), follow=True)
    assert response.status_code == 200
    assert "Stripe refused the request" in response.content.decode()


def test_expired_link_page_offers_a_new_link_without_calling_stripe(
    owner: Membership, stripe_stub: StripeStub
) -> None:
    response = _client(owner).get(_url(owner, "refresh/"), follow=True)
    assert "expired" in response.content.decode()
    assert not stripe_stub.mock.calls


def test_connect_needs_a_csrf_token(owner: Membership, stripe_stub: StripeStub) -> None:
    client = _client(owner, enforce_csrf_checks=True)
    assert client.post(_url(owner, "connect/")).status_code == 403
    assert not stripe_stub.mock.calls


def test_connect_is_rate_limited_per_organizer(owner: Membership, stripe_stub: StripeStub) -> None:
    client = _client(owner)
    for _ in range(CONNECT_STARTS_PER_HOUR):
        assert client.post(_url(owner, "connect/"))["Location"] == LINK_URL

    response = client.post(_url(owner, "connect/"), follow=True)

    assert "Too many requests" in response.content.decode()
    assert len(stripe_stub.calls("POST", "/account_links")) == CONNECT_STARTS_PER_HOUR
    with tenancy.for_organizer(owner.organizer_id):
        assert StripeAccount.objects.count() == 1


def test_the_connect_form_may_lead_to_stripe_under_the_csp(owner: Membership) -> None:
    # The browser applies form-action to the redirect after the POST, so Stripe's origin must
    # be allowed on the page holding the form (and only there).
    payments = _client(owner).get(_url(owner))
    settings_page = _client(owner).get(f"/o/{owner.organizer.slug}/settings/")
    assert "form-action 'self' https://connect.stripe.com" in payments["Content-Security-Policy"]
    assert "connect.stripe.com" not in settings_page["Content-Security-Policy"]


def test_requirements_are_listed_in_words_once_each() -> None:
    from blackcanyon.payments.selectors import requirement_label

    assert requirement_label("tos_acceptance.date") == "Acceptance of Stripe's terms of service"
    assert requirement_label("individual.dob.day") == "Individual / dob / day"
    assert requirement_label("") == ""
