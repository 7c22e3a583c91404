"""The "Open Stripe dashboard" button on the Payments page: once the organizer's details are
submitted, owners and admins get a single-use Express dashboard login link (a POST with CSRF,
audited, rate-limited); Stripe's API is stubbed (no network)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import responses
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.organizers.models import Membership, Role
from blackcanyon.payments.models import StripeAccount
from blackcanyon.payments.views_connect import DASHBOARD_LINKS_PER_HOUR
from tests.factories import MembershipFactory
from tests.payments.stripe_stubs import ACCOUNT_ID, API, StripeStub, stripe_error

pytestmark = pytest.mark.django_db

DASHBOARD_URL = f"https://connect.stripe.com/express/{ACCOUNT_ID}/Lq8mWx3Rz"
BUTTON = "Open Stripe dashboard"


@pytest.fixture
def owner() -> Membership:
    return MembershipFactory(role=Role.OWNER, organizer__slug="canyon-shows")


@pytest.fixture
def login_links(stripe_stub: StripeStub) -> StripeStub:
    """Stripe's ``POST /v1/accounts/{id}/login_links`` added to the stub."""

    def create_login_link(request: Any) -> tuple[int, dict[str, str], str]:
        body = {"object": "login_link", "created": 1764201800, "url": DASHBOARD_URL}
        return stripe_stub.answer("create_login_link", body)

    stripe_stub.mock.add_callback(
        responses.POST, re.compile(rf"{API}/accounts/acct_\w+/login_links"), create_login_link
    )
    return stripe_stub


def _client(membership: Membership, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(membership.user)
    return client


def _url(membership: Membership, suffix: str = "") -> str:
    return f"/o/{membership.organizer.slug}/settings/payments/{suffix}"


def _account(membership: Membership, *, details_submitted: bool = True) -> None:
    with tenancy.for_organizer(membership.organizer_id):
        StripeAccount.objects.create(
            organizer=membership.organizer,
            stripe_account_id=ACCOUNT_ID,
            details_submitted=details_submitted,
            charges_enabled=details_submitted,
            payouts_enabled=details_submitted,
        )


def _link_calls(stub: StripeStub) -> list[Any]:
    return stub.calls("POST", f"/accounts/{ACCOUNT_ID}/login_links")


def test_owner_opens_the_dashboard_through_a_fresh_login_link(
    owner: Membership, login_links: StripeStub
) -> None:
    _account(owner)
    client = _client(owner)
    # Given the Payments page offers the dashboard
    page = client.get(_url(owner)).content.decode()
    assert BUTTON in page
    assert f'action="{_url(owner, "dashboard/")}"' in page

    # When the owner opens it
    response = client.post(_url(owner, "dashboard/"))

    # Then they are sent to Stripe with a single-use link for their own account
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    (call,) = _link_calls(login_links)
    assert call.request.headers["Idempotency-Key"].startswith("bct-")
    # And it is on the record
    with tenancy.for_organizer(owner.organizer_id):
        entry = AuditLog.objects.get(action="payments.stripe_account.dashboard_opened")
    assert entry.actor_id == owner.user.pk
    assert entry.data == {"stripe_account_id": ACCOUNT_ID}
    # And each click makes a new link (they are single use)
    client.post(_url(owner, "dashboard/"))
    keys = {c.request.headers["Idempotency-Key"] for c in _link_calls(login_links)}
    assert len(keys) == 2


def test_no_dashboard_before_details_are_submitted(
    owner: Membership, login_links: StripeStub
) -> None:
    _account(owner, details_submitted=False)
    client = _client(owner)
    assert BUTTON not in client.get(_url(owner)).content.decode()

    response = client.post(_url(owner, "dashboard/"), follow=True)

    assert "opens once you have finished onboarding" in response.content.decode()
    assert _link_calls(login_links) == []


def test_no_dashboard_without_an_account(owner: Membership, login_links: StripeStub) -> None:
    response = _client(owner).post(_url(owner, "dashboard/"), follow=True)
    assert "opens once you have finished onboarding" in response.content.decode()
    assert not login_links.mock.calls


def test_stripe_refusing_the_link_is_a_message_not_an_error_page(
    owner: Membership, login_links: StripeStub
) -> None:
    _account(owner)
    login_links.failures["create_login_link"] = (400, stripe_error("Not an Express account"))

    response = _client(owner).post(_url(owner, "dashboard/"), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stripe refused the request" in html
    assert "Not an Express account" not in html  # Stripe's own words go to the log only
    with tenancy.for_organizer(owner.organizer_id):
        assert not AuditLog.objects.filter(
            action="payments.stripe_account.dashboard_opened"
        ).exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.SCANNER])
def test_only_owners_and_admins_open_the_dashboard(role: Role, login_links: StripeStub) -> None:
    member = MembershipFactory(role=role)
    _account(member)
    assert _client(member).post(_url(member, "dashboard/")).status_code == 403
    assert not login_links.mock.calls


def test_admins_may_open_it_and_strangers_get_not_found(
    owner: Membership, login_links: StripeStub
) -> None:
    _account(owner)
    admin = MembershipFactory(role=Role.ADMIN, organizer=owner.organizer)
    assert _client(admin).post(_url(owner, "dashboard/"))["Location"] == DASHBOARD_URL
    stranger = MembershipFactory()
    assert _client(stranger).post(_url(owner, "dashboard/")).status_code == 404
    assert len(_link_calls(login_links)) == 1


def test_dashboard_needs_post_and_a_csrf_token(owner: Membership, login_links: StripeStub) -> None:
    _account(owner)
    assert _client(owner).get(_url(owner, "dashboard/")).status_code == 405
    strict = _client(owner, enforce_csrf_checks=True)
    assert strict.post(_url(owner, "dashboard/")).status_code == 403
    assert not login_links.mock.calls


def test_dashboard_links_are_rate_limited(owner: Membership, login_links: StripeStub) -> None:
    _account(owner)
    client = _client(owner)
    for _ in range(DASHBOARD_LINKS_PER_HOUR):
        assert client.post(_url(owner, "dashboard/"))["Location"] == DASHBOARD_URL

    response = client.post(_url(owner, "dashboard/"), follow=True)

    assert "Too many requests" in response.content.decode()
    assert len(_link_calls(login_links)) == DASHBOARD_LINKS_PER_HOUR


def test_the_page_holding_the_button_may_lead_to_stripe_under_the_csp(
    owner: Membership,
) -> None:
    # Login links live on connect.stripe.com, the origin the Payments page already allows.
    assert DASHBOARD_URL.startswith("https://connect.stripe.com/")
    _account(owner)
    policy = _client(owner).get(_url(owner))["Content-Security-Policy"]
    assert "form-action 'self' https://connect.stripe.com" in policy
