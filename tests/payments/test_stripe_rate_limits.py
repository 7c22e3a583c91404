"""Limits on what a signed-in user or an anonymous client can make us ask Stripe (or write to the
audit log): the Connect return page, "Try again" on a waiting refund, Connect start per user, and
the audit entries of refused webhooks. Stripe's HTTP is stubbed (no network); the counters live in
the test cache, as in production they live in Redis."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.organizers.models import Membership, Role
from blackcanyon.payments.errors import StripeUnavailable
from blackcanyon.payments.models import Refund, RefundStatus, StripeAccount
from blackcanyon.payments.refunds import refund_create
from blackcanyon.payments.views_connect import (
    ACCOUNT_REFRESHES_PER_HOUR,
    CONNECT_STARTS_PER_USER_PER_HOUR,
)
from blackcanyon.payments.views_refunds import REFUND_RETRIES_PER_HOUR
from blackcanyon.payments.webhooks_views import (
    REFUSALS_AUDITED_PER_HOUR,
    REFUSALS_AUDITED_PER_HOUR_ALL,
)
from tests.factories import MembershipFactory, UserFactory
from tests.orders.domain.helpers import fresh
from tests.orders.organizer.helpers import page_text
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import MoneyStub, fee_shop, money, paid_stripe_order
from tests.payments.stripe_checkout_stubs import CheckoutStub, stripe_checkout
from tests.payments.stripe_stubs import (
    ACCOUNT_ID,
    LINK_URL,
    StripeStub,
    account_object,
    enabled_account,
)

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]  # the stubbed Stripe fixtures

# Minutes into an hour: the fixed windows start on the hour, so the test's hour is a whole one.
AN_HOUR = clock.now().replace(minute=5, second=0, microsecond=0) + timedelta(hours=1)
NEXT_HOUR = AN_HOUR + timedelta(hours=1)


def payments_url(membership: Membership, suffix: str = "") -> str:
    return f"/o/{membership.organizer.slug}/settings/payments/{suffix}"


def logged_in(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


# --- A. The Connect return page -------------------------------------------------------------


def test_return_page_asks_stripe_a_limited_number_of_times_then_shows_the_stored_status(
    stripe_stub: StripeStub,
) -> None:
    owner = MembershipFactory(role=Role.OWNER)
    client = logged_in(owner)
    retrieves = f"/accounts/{ACCOUNT_ID}"
    with clock.frozen(AN_HOUR):
        # Given a connected organizer whose onboarding Stripe has just accepted
        client.post(payments_url(owner, "connect/"))
        stripe_stub.account = enabled_account()
        # When the return page is loaded as often as the limit allows
        for _ in range(ACCOUNT_REFRESHES_PER_HOUR):
            response = client.get(payments_url(owner, "return/"), follow=True)
            assert "you can sell paid tickets" in page_text(response)
        assert len(stripe_stub.calls("GET", retrieves)) == ACCOUNT_REFRESHES_PER_HOUR

        # and once more (a loop, or another site making the browser load it)
        response = client.get(payments_url(owner, "return/"), follow=True)

        # Then Stripe is not asked, and the page shows the stored status with a quiet note
        assert len(stripe_stub.calls("GET", retrieves)) == ACCOUNT_REFRESHES_PER_HOUR
        assert response.status_code == 200
        text = page_text(response)
        assert "Charges enabled" in text
        assert "This is the status Stripe last sent us" in text
        assert "you can sell paid tickets" not in text  # no claim of a fresh check
        assert "Too many requests" not in text

    # When the hour has passed, the return page asks Stripe again
    with clock.frozen(NEXT_HOUR):
        response = client.get(payments_url(owner, "return/"), follow=True)
    assert "you can sell paid tickets" in page_text(response)
    assert len(stripe_stub.calls("GET", retrieves)) == ACCOUNT_REFRESHES_PER_HOUR + 1


def test_the_return_page_limit_counts_per_organizer(stripe_stub: StripeStub) -> None:
    busy, other = MembershipFactory(role=Role.OWNER), MembershipFactory(role=Role.OWNER)
    with clock.frozen(AN_HOUR):
        busy_client = logged_in(busy)
        busy_client.post(payments_url(busy, "connect/"))
        for _ in range(ACCOUNT_REFRESHES_PER_HOUR + 1):
            busy_client.get(payments_url(busy, "return/"))
        # Another organizer's return page still asks Stripe
        stripe_stub.account = enabled_account("acct_1QbCanyonTest0002")
        other_client = logged_in(other)
        other_client.post(payments_url(other, "connect/"))
        response = other_client.get(payments_url(other, "return/"), follow=True)
    assert "you can sell paid tickets" in page_text(response)
    assert len(stripe_stub.calls("GET", "/accounts/acct_1QbCanyonTest0002")) == 1


def test_over_the_limit_without_an_account_the_page_just_says_not_connected(
    stripe_stub: StripeStub,
) -> None:
    owner = MembershipFactory(role=Role.OWNER)
    client = logged_in(owner)
    with clock.frozen(AN_HOUR):
        for _ in range(ACCOUNT_REFRESHES_PER_HOUR + 1):
            response = client.get(payments_url(owner, "return/"), follow=True)
    text = page_text(response)
    assert response.status_code == 200
    assert "Not connected" in text
    assert "last sent us" not in text
    assert not stripe_stub.mock.calls


# --- B. "Try again" on a refund waiting for Stripe ------------------------------------------


def _waiting_refund(client: Client, money: MoneyStub) -> tuple[Order, Refund, Membership]:
    """A Stripe-paid order whose refund is waiting: Stripe was down when it was asked."""
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    owner = MembershipFactory(organizer=s.event.organizer, role=Role.OWNER)
    money.fail_refunds_with = (500, {"error": {"type": "api_error", "message": "boom"}})
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, full=True)
    with tenancy.for_organizer(order.organizer_id):
        refund = Refund.objects.get(order_id=order.pk)
    assert refund.status == RefundStatus.REQUESTED
    return order, refund, owner


def test_try_again_on_a_refund_is_rate_limited_with_a_clear_message(
    client: Client, money: MoneyStub
) -> None:
    order, refund, owner = _waiting_refund(client, money)
    retry = f"/o/{order.organizer.slug}/orders/{order.code}/refund/{refund.pk}/retry/"
    organizer_client = logged_in(owner)
    with clock.frozen(AN_HOUR):
        # Given the organizer pressed "Try again" as often as the limit allows, Stripe still down
        for _ in range(REFUND_RETRIES_PER_HOUR):
            response = organizer_client.post(retry, follow=True)
            assert "could not be reached" in page_text(response)
        assert len(money.refund_calls()) == 1 + REFUND_RETRIES_PER_HOUR

        # When they press it once more
        response = organizer_client.post(retry, follow=True)

    # Then Stripe is not asked, and the order page says why and for how long
    assert len(money.refund_calls()) == 1 + REFUND_RETRIES_PER_HOUR
    assert response.status_code == 200
    text = page_text(response)
    assert "The refund is still waiting for Stripe. Too many requests." in text
    assert "Please wait 55 minutes and try again." in text
    with tenancy.for_organizer(order.organizer_id):
        refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED

    # When the hour has passed and Stripe is back, "Try again" refunds the order
    money.fail_refunds_with = None
    with clock.frozen(NEXT_HOUR):
        response = organizer_client.post(retry, follow=True)
    assert "Refunded $50.00." in page_text(response)
    assert fresh(order).status == OrderStatus.REFUNDED


# --- C. Connect start per user --------------------------------------------------------------


def test_one_user_cannot_create_stripe_accounts_for_many_organizers(
    stripe_stub: StripeStub,
) -> None:
    # Given one user who owns more organizers than the per-user limit
    user = UserFactory()
    owned = [
        MembershipFactory(user=user, role=Role.OWNER)
        for _ in range(CONNECT_STARTS_PER_USER_PER_HOUR + 1)
    ]
    client = Client()
    client.force_login(user)
    with clock.frozen(AN_HOUR):
        # who connects each of them (each first click creates an Express account on Stripe)
        for index, membership in enumerate(owned[:-1]):
            stripe_stub.account = account_object(f"acct_1QbCanyonUser{index:04d}")
            assert client.post(payments_url(membership, "connect/"))["Location"] == LINK_URL
        assert len(stripe_stub.calls("POST", "/accounts")) == CONNECT_STARTS_PER_USER_PER_HOUR

        # When they connect one more organizer
        last = owned[-1]
        stripe_stub.account = account_object("acct_1QbCanyonUserLast")
        response = client.post(payments_url(last, "connect/"), follow=True)

        # Then they are told to wait, and no account is created on Stripe or here
        assert "Too many requests" in page_text(response)
        assert len(stripe_stub.calls("POST", "/accounts")) == CONNECT_STARTS_PER_USER_PER_HOUR
        with tenancy.for_organizer(last.organizer_id):
            assert not StripeAccount.objects.filter(organizer_id=last.organizer_id).exists()

        # while a co-owner of that organizer can still connect it (the limit is the user's)
        co_owner = MembershipFactory(organizer=last.organizer, role=Role.OWNER)
        assert logged_in(co_owner).post(payments_url(last, "connect/"))["Location"] == LINK_URL
    with tenancy.for_organizer(last.organizer_id):
        account = StripeAccount.objects.get(organizer_id=last.organizer_id)
    assert account.stripe_account_id == "acct_1QbCanyonUserLast"


# --- D. Audit entries of refused webhooks ---------------------------------------------------


def _forge(client: Client, address: str) -> int:
    response = client.post(
        "/webhooks/stripe/",
        data=b'{"id": "evt_forged", "object": "event"}',
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=forged"},
        REMOTE_ADDR=address,
    )
    return response.status_code


def _refusals_audited() -> int:
    with as_worker_role(), tenancy.system_context():
        return AuditLog.objects.filter(action="payments.stripe_webhook.refused").count()


def _refusals_logged(caplog: Any) -> int:
    return sum(
        r.name == "blackcanyon.security" and "Stripe webhook refused" in r.getMessage()
        for r in caplog.records
    )


def test_rotating_ipv6_addresses_in_one_64_share_one_audit_allowance(
    client: Client, stripe_checkout: CheckoutStub, caplog: Any
) -> None:
    # When 120 forged webhooks come from 120 addresses of one IPv6 /64
    with caplog.at_level(logging.WARNING, logger="blackcanyon.security"), clock.frozen(AN_HOUR):
        codes = {_forge(client, f"2001:db8:7:42::{n:x}") for n in range(1, 121)}
    # Then each is refused and logged, but the audit log holds the per-client allowance only
    assert codes == {400}
    assert _refusals_logged(caplog) == 120
    assert _refusals_audited() == REFUSALS_AUDITED_PER_HOUR
    # and a client in another /64 still gets its entries
    with clock.frozen(AN_HOUR):
        _forge(client, "2001:db8:7:43::1")
    assert _refusals_audited() == REFUSALS_AUDITED_PER_HOUR + 1


def test_a_flood_from_many_addresses_stops_at_the_global_audit_cap(
    client: Client, stripe_checkout: CheckoutStub, caplog: Any
) -> None:
    # When 200 forged webhooks come from 200 IPv4 addresses
    with caplog.at_level(logging.WARNING, logger="blackcanyon.security"), clock.frozen(AN_HOUR):
        for n in range(200):
            assert _forge(client, f"198.51.{n // 250}.{n % 250 + 1}") == 400
    # Then every refusal is logged, and the audit log holds at most the global cap
    assert _refusals_logged(caplog) == 200
    assert _refusals_audited() == REFUSALS_AUDITED_PER_HOUR_ALL
    # and the next hour is audited again
    with clock.frozen(NEXT_HOUR):
        _forge(client, "203.0.113.9")
    assert _refusals_audited() == REFUSALS_AUDITED_PER_HOUR_ALL + 1
