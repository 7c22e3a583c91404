"""Stripe Connect services against Stripe's stubbed HTTP API: the account is created once with the
right parameters and an idempotency key, links are fresh per click, and account updates are
applied idempotently in any order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.errors import (
    StripeAccountMismatch,
    StripeNotConfigured,
    StripeRefused,
    StripeUnavailable,
)
from blackcanyon.payments.models import StripeAccount
from blackcanyon.payments.stripe import connect
from blackcanyon.payments.stripe.client import stripe_client, stripe_enabled
from blackcanyon.payments.stripe.connect import SyncOutcome
from tests.factories import MembershipFactory, OrganizerFactory
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_stubs import (
    ACCOUNT_ID,
    LINK_URL,
    SECRET_KEY,
    StripeStub,
    account_object,
    enabled_account,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer() -> Organizer:
    return OrganizerFactory(
        name="Canyon Shows", slug="canyon-shows", country="US", contact_email="hi@canyon.example"
    )


def _account(organizer: Organizer) -> StripeAccount | None:
    with tenancy.for_organizer(organizer.pk):
        return StripeAccount.objects.filter(organizer=organizer).first()


def _actions(organizer: Organizer) -> list[str]:
    with tenancy.for_organizer(organizer.pk):
        return list(
            AuditLog.objects.filter(organizer=organizer, action__startswith="payments.")
            .order_by("id")
            .values_list("action", flat=True)
        )


def _sync(**kwargs: Any) -> SyncOutcome:
    """As the webhook task will: with the worker's role (system context sees every organizer)."""
    with as_worker_role():
        return connect.stripe_account_sync(**kwargs)


def _start(organizer: Organizer) -> str:
    owner = MembershipFactory(organizer=organizer).user
    with tenancy.for_organizer(organizer.pk):
        return connect.stripe_onboarding_start(actor=owner, organizer=organizer)


# --- client ------------------------------------------------------------------------------------


def test_stripe_is_off_without_a_secret_key(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    assert not stripe_enabled()
    with pytest.raises(StripeNotConfigured):
        stripe_client()


def test_client_uses_requests_with_retries(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_MAX_NETWORK_RETRIES = 3
    client = stripe_client()
    options = client._requestor._options  # what every request of this client starts from
    assert options.api_key == "sk_test_x"
    assert options.max_network_retries == 3
    assert isinstance(client._requestor._get_http_client(), stripe.RequestsClient)


# --- onboarding --------------------------------------------------------------------------------


def test_first_click_creates_an_express_account_and_returns_the_link(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    # When the owner starts onboarding
    url = _start(organizer)

    # Then they are sent to Stripe's link
    assert url == LINK_URL
    # And Stripe was asked for an Express account with card payments and transfers
    (create,) = stripe_stub.calls("POST", "/accounts")
    sent = stripe_stub.form(create)
    assert sent["type"] == "express"
    assert sent["country"] == "US"
    assert sent["email"] == "hi@canyon.example"
    assert sent["capabilities[card_payments][requested]"] == "true"
    assert sent["capabilities[transfers][requested]"] == "true"
    assert sent["metadata[organizer_id]"] == str(organizer.pk)
    assert create.request.headers["Idempotency-Key"].startswith("bct-")
    assert create.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    # And for an onboarding link coming back to our site
    (link,) = stripe_stub.calls("POST", "/account_links")
    sent = stripe_stub.form(link)
    assert sent["account"] == ACCOUNT_ID
    assert sent["type"] == "account_onboarding"
    assert sent["return_url"] == "http://127.0.0.1:8000/o/canyon-shows/settings/payments/return/"
    assert sent["refresh_url"] == "http://127.0.0.1:8000/o/canyon-shows/settings/payments/refresh/"
    assert link.request.headers["Idempotency-Key"].startswith("bct-")
    # And the account is stored with what Stripe said about it
    account = _account(organizer)
    assert account is not None
    assert account.stripe_account_id == ACCOUNT_ID
    assert not account.charges_enabled
    assert "external_account" in account.requirements_due
    assert account.disabled_reason == "requirements.past_due"
    assert _actions(organizer) == [
        "payments.stripe_account.created",
        "payments.stripe_account.onboarding_started",
    ]


def test_second_click_reuses_the_account_with_a_new_link(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    _start(organizer)
    _start(organizer)

    assert len(stripe_stub.calls("POST", "/accounts")) == 1
    links = stripe_stub.calls("POST", "/account_links")
    assert len(links) == 2
    keys = {call.request.headers["Idempotency-Key"] for call in links}
    assert len(keys) == 2  # each link is new: single use on Stripe's side
    with tenancy.for_organizer(organizer.pk):
        assert StripeAccount.objects.count() == 1


def test_account_idempotency_key_is_stable_per_organizer(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    # Given a first attempt whose account was created on Stripe but not stored here (crash)
    other = OrganizerFactory()
    _start(organizer)
    first_key = stripe_stub.calls("POST", "/accounts")[0].request.headers["Idempotency-Key"]
    with tenancy.for_organizer(organizer.pk):
        StripeAccount.objects.all().delete()

    # When the owner clicks again
    _start(organizer)

    # Then the same key is sent, so Stripe returns the same account instead of a second one
    second_key = stripe_stub.calls("POST", "/accounts")[1].request.headers["Idempotency-Key"]
    assert second_key == first_key
    # And another organizer gets its own key
    stripe_stub.account = account_object("acct_1QbCanyonTest0002")
    _start(other)
    assert stripe_stub.calls("POST", "/accounts")[2].request.headers["Idempotency-Key"] != (
        first_key
    )


def test_stripe_down_stores_nothing_and_says_try_again(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    stripe_stub.fail("create_account", 500, "down", "api_error")
    with pytest.raises(StripeUnavailable):
        _start(organizer)
    assert _account(organizer) is None
    assert _actions(organizer) == []


def test_stripe_refusing_the_request_is_a_clear_error(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    stripe_stub.fail(
        "create_account", 400, "Connect is not available in this country", "invalid_request_error"
    )
    with pytest.raises(StripeRefused) as refused:
        _start(organizer)
    assert "Nothing was changed" in refused.value.message
    assert "country" not in refused.value.message  # Stripe's wording goes to the log only
    assert _account(organizer) is None


# --- keeping in step ---------------------------------------------------------------------------


def _stored(organizer: Organizer, stripe_stub: StripeStub) -> StripeAccount:
    _start(organizer)
    account = _account(organizer)
    assert account is not None
    return account


def test_return_refresh_reads_the_account_from_stripe(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    _stored(organizer, stripe_stub)
    # Given Stripe now says onboarding is complete
    stripe_stub.account = enabled_account()

    with tenancy.for_organizer(organizer.pk):
        account = connect.stripe_account_refresh(actor=None, organizer=organizer)

    assert account is not None
    assert account.charges_enabled
    assert account.payouts_enabled
    assert account.details_submitted
    assert account.requirements_due == []
    assert account.disabled_reason == ""
    assert len(stripe_stub.calls("GET", f"/accounts/{ACCOUNT_ID}")) == 1
    assert _actions(organizer)[-1] == "payments.stripe_account.updated"


def test_refresh_without_an_account_asks_stripe_nothing(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    with tenancy.for_organizer(organizer.pk):
        assert connect.stripe_account_refresh(actor=None, organizer=organizer) is None
    assert not stripe_stub.mock.calls


def test_account_updated_applies_once_and_keeps_the_newest(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    account = _stored(organizer, stripe_stub)
    base = int(account.updated_from_stripe_at.timestamp()) + 60  # type: ignore[union-attr]
    enabled = json.loads(json.dumps(enabled_account()))

    # When the newer "enabled" event arrives
    assert _sync(account_id=ACCOUNT_ID, data=enabled, event_created=base + 10) == (
        SyncOutcome.APPLIED
    )
    # And then a duplicate of it, and an older event (still restricted) arrives late
    assert (
        _sync(account_id=ACCOUNT_ID, data=enabled, event_created=base + 10) == SyncOutcome.APPLIED
    )
    restricted = account_object()
    assert _sync(account_id=ACCOUNT_ID, data=restricted, event_created=base) == SyncOutcome.STALE

    # Then the newest state stays, and one change was audited
    stored = _account(organizer)
    assert stored is not None
    assert stored.charges_enabled
    assert stored.updated_from_stripe_at == datetime.fromtimestamp(base + 10, tz=UTC)
    assert _actions(organizer).count("payments.stripe_account.updated") == 1


def test_a_late_event_older_than_the_return_page_fetch_is_ignored(
    organizer: Organizer, stripe_stub: StripeStub
) -> None:
    _stored(organizer, stripe_stub)
    stripe_stub.account = enabled_account()
    with tenancy.for_organizer(organizer.pk):
        connect.stripe_account_refresh(actor=None, organizer=organizer)
    an_hour_ago = clock.now() - timedelta(hours=1)

    outcome = _sync(account_id=ACCOUNT_ID, data=account_object(), event_created=an_hour_ago)

    assert outcome == SyncOutcome.STALE
    stored = _account(organizer)
    assert stored is not None
    assert stored.charges_enabled


def test_sync_ignores_accounts_that_are_not_ours(organizer: Organizer) -> None:
    outcome = _sync(
        account_id="acct_1SomeoneElse000",
        data=account_object("acct_1SomeoneElse000"),
        event_created=1764201600,
    )
    assert outcome == SyncOutcome.UNKNOWN


def test_sync_refuses_a_payload_for_another_account(organizer: Organizer) -> None:
    with pytest.raises(StripeAccountMismatch):
        _sync(account_id=ACCOUNT_ID, data=account_object("acct_other"), event_created=1)


def test_malformed_requirements_are_tolerated() -> None:
    state = connect.account_state(
        {"id": ACCOUNT_ID, "charges_enabled": "yes", "requirements": ["not", "a", "dict"]}
    )
    assert state == {
        "details_submitted": False,
        "charges_enabled": False,
        "payouts_enabled": False,
        "requirements_due": [],
        "disabled_reason": "",
    }
    many = connect.account_state(
        {"requirements": {"currently_due": [f"field_{i:03d}" * 20 for i in range(80)]}}
    )
    assert len(many["requirements_due"]) == 50
    assert all(len(item) <= 100 for item in many["requirements_due"])
