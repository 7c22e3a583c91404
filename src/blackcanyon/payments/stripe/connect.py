"""Stripe Connect (Express) onboarding: create the organizer's account once, send them through
an Account Link, and keep our copy of the account's state in step with Stripe.

Stripe calls happen outside any database transaction (DESIGN rule 6); each ``create`` carries an
idempotency key, so a double click or a retried request never creates a second account.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments import selectors
from blackcanyon.payments.errors import StripeAccountMismatch, StripeDashboardNotReady
from blackcanyon.payments.models import (
    REQUIREMENT_MAX_LENGTH,
    REQUIREMENTS_MAX_ITEMS,
    StripeAccount,
)
from blackcanyon.payments.stripe.client import idempotency_key, stripe_client, translate_error

STATE_FIELDS = (
    "details_submitted",
    "charges_enabled",
    "payouts_enabled",
    "requirements_due",
    "disabled_reason",
)


class SyncOutcome(StrEnum):
    APPLIED = "applied"  # our copy now holds this state (also when nothing changed)
    STALE = "stale"  # we already hold a newer state: ignored
    UNKNOWN = "unknown"  # not one of our organizers' accounts: ignored


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [str(item)[:REQUIREMENT_MAX_LENGTH] for item in value if item]


def account_state(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields we keep from a Stripe account object (a dict, e.g. ``data.object`` of an
    ``account.updated`` event). Tolerates missing or malformed parts."""
    requirements = data.get("requirements")
    if not isinstance(requirements, Mapping):
        requirements = {}
    due = sorted(
        {*_strings(requirements.get("currently_due")), *_strings(requirements.get("past_due"))}
    )
    return {
        "details_submitted": data.get("details_submitted") is True,
        "charges_enabled": data.get("charges_enabled") is True,
        "payouts_enabled": data.get("payouts_enabled") is True,
        "requirements_due": due[:REQUIREMENTS_MAX_ITEMS],
        "disabled_reason": str(requirements.get("disabled_reason") or "")[:100],
    }


def _absolute(name: str, organizer: Organizer) -> str:
    return settings.PUBLIC_APP_URL + reverse(name, kwargs={"organizer_slug": organizer.slug})


# --- Onboarding ----------------------------------------------------------------------------------


def stripe_onboarding_start(*, actor: Any, organizer: Organizer) -> str:
    """Create the organizer's Express account if it has none, then a fresh Account Link; return
    the link's URL (single use, short-lived) to redirect the organizer to.

    Idempotent per organizer: a second call reuses the stored account; two parallel first calls
    send the same idempotency key, so Stripe returns the same account to both.
    Raises ``StripeNotConfigured``, ``StripeUnavailable`` or ``StripeRefused`` (nothing stored).
    """
    account = stripe_account_ensure(actor=actor, organizer=organizer)
    try:
        link = stripe_client().v1.account_links.create(
            params={
                "account": account.stripe_account_id,
                "refresh_url": _absolute("payments:connect_refresh", organizer),
                "return_url": _absolute("payments:connect_return", organizer),
                "type": "account_onboarding",
            },
            # One key per link: each click needs a new single-use link; the SDK's own retries of
            # this call reuse it.
            options={"idempotency_key": idempotency_key("account_link", uuid.uuid4().hex)},
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="creating an account link") from error
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="payments.stripe_account.onboarding_started",
            organizer=organizer,
            obj=account,
            data={"stripe_account_id": account.stripe_account_id},
        )
    return str(link.url)


def stripe_account_ensure(*, actor: Any, organizer: Organizer) -> StripeAccount:
    """The organizer's Stripe account, created on Stripe (Express, card payments + transfers) and
    stored the first time. Raises like ``stripe_onboarding_start``."""
    existing = selectors.stripe_account_for(organizer=organizer)
    if existing is not None:
        return existing
    try:
        remote = stripe_client().v1.accounts.create(
            params={
                "type": "express",
                "country": organizer.country,
                "email": organizer.contact_email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "business_profile": {"name": organizer.name},
                "metadata": {"organizer_id": str(organizer.pk), "organizer_slug": organizer.slug},
            },
            options={"idempotency_key": idempotency_key("account", organizer.pk)},
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="creating a Connect account") from error
    data = remote.to_dict()
    try:
        with transaction.atomic():
            account = StripeAccount.objects.create(
                organizer=organizer,
                stripe_account_id=str(data["id"]),
                updated_from_stripe_at=clock.now(),
                **account_state(data),
            )
            audit.record(
                actor=actor,
                action="payments.stripe_account.created",
                organizer=organizer,
                obj=account,
                data={"stripe_account_id": account.stripe_account_id, "country": organizer.country},
            )
    except IntegrityError:
        # A parallel first click stored the (same) account first.
        stored = selectors.stripe_account_for(organizer=organizer)
        if stored is None:
            raise
        return stored
    return account


def stripe_dashboard_link(*, actor: Any, organizer: Organizer) -> str:
    """A single-use login link to the organizer's Stripe Express dashboard (payouts, bank
    details, tax forms); return its URL to redirect to. Only once the account's details are
    submitted — before that Stripe has no dashboard to show (onboarding continues instead).

    Writes the audit entry ``payments.stripe_account.dashboard_opened``. Raises
    ``StripeDashboardNotReady``, ``StripeUnavailable`` or ``StripeRefused``.
    """
    account = selectors.stripe_account_for(organizer=organizer)
    if account is None or not account.details_submitted:
        raise StripeDashboardNotReady()
    try:
        link = stripe_client().v1.accounts.login_links.create(
            account.stripe_account_id,
            # One key per link (each is single use); the SDK's retries of this call reuse it.
            options={"idempotency_key": idempotency_key("login_link", uuid.uuid4().hex)},
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="creating a dashboard login link") from error
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="payments.stripe_account.dashboard_opened",
            organizer=organizer,
            obj=account,
            data={"stripe_account_id": account.stripe_account_id},
        )
    return str(link.url)


# --- Keeping our copy in step --------------------------------------------------------------------


def stripe_account_apply(
    *, account: StripeAccount, data: Mapping[str, Any], as_of: datetime, actor: Any = None
) -> SyncOutcome:
    """Store the state in the account object ``data`` as Stripe's state at ``as_of``, unless we
    already hold a newer one. Idempotent: the same state again changes nothing and writes no
    audit entry; a change writes ``payments.stripe_account.updated`` (call in the account's
    organizer context). Raises ``StripeAccountMismatch`` when ``data`` is another account."""
    if data.get("id") != account.stripe_account_id:
        raise StripeAccountMismatch()
    state = account_state(data)
    with transaction.atomic():
        current = StripeAccount.objects.select_for_update().get(pk=account.pk)
        if current.updated_from_stripe_at is not None and current.updated_from_stripe_at > as_of:
            return SyncOutcome.STALE
        changed = {n: state[n] for n in STATE_FIELDS if getattr(current, n) != state[n]}
        for name, value in state.items():
            setattr(current, name, value)
        current.updated_from_stripe_at = as_of
        current.save(update_fields=[*STATE_FIELDS, "updated_from_stripe_at"])
        if changed:
            audit.record(
                actor=actor,
                action="payments.stripe_account.updated",
                organizer=current.organizer,
                obj=current,
                data={"changed": changed, "as_of": as_of.isoformat()},
            )
    for name in (*STATE_FIELDS, "updated_from_stripe_at"):
        setattr(account, name, getattr(current, name))
    return SyncOutcome.APPLIED


def stripe_account_refresh(*, actor: Any, organizer: Organizer) -> StripeAccount | None:
    """Fetch the organizer's account from Stripe now and store its state (the return page).

    Returns None when the organizer has no account yet. Raises ``StripeUnavailable`` /
    ``StripeRefused`` (our copy unchanged).
    """
    account = selectors.stripe_account_for(organizer=organizer)
    if account is None:
        return None
    try:
        remote = stripe_client().v1.accounts.retrieve(account.stripe_account_id)
    except stripe.StripeError as error:
        raise translate_error(error, doing="fetching a Connect account") from error
    stripe_account_apply(account=account, data=remote.to_dict(), as_of=clock.now(), actor=actor)
    return account


def stripe_account_sync(
    *, account_id: str, data: Mapping[str, Any], event_created: int | datetime
) -> SyncOutcome:
    """Apply an ``account.updated`` event: ``data`` is the event's ``data.object`` and
    ``event_created`` its ``created`` (Unix seconds). For the webhook task (worker role).

    Safe for duplicates and any order of arrival: the state of the newest event wins. Returns
    ``unknown`` for an account that is not ours. Raises ``StripeAccountMismatch`` when ``data``
    is not ``account_id``.
    """
    if data.get("id") != account_id:
        raise StripeAccountMismatch()
    as_of = (
        event_created
        if isinstance(event_created, datetime)
        else datetime.fromtimestamp(event_created, tz=UTC)
    )
    with tenancy.system_context():
        organizer_id = selectors.stripe_account_organizer_id(stripe_account_id=account_id)
    if organizer_id is None:
        return SyncOutcome.UNKNOWN
    with tenancy.scoped(organizer_id=organizer_id):
        account = StripeAccount.objects.get(stripe_account_id=account_id)
        return stripe_account_apply(account=account, data=data, as_of=as_of)
