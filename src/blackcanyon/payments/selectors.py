"""Reads of payment settings: the organizer's Stripe account and how ready it is."""

from __future__ import annotations

from dataclasses import dataclass

from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.models import StripeAccount

# Stripe's ``requirements.disabled_reason`` values, in words an organizer understands.
DISABLED_REASONS: dict[str, str] = {
    "requirements.past_due": "Stripe needs more information, and it is overdue.",
    "requirements.pending_verification": "Stripe is checking the information you sent.",
    "under_review": "Stripe is reviewing the account.",
    "rejected.fraud": "Stripe rejected the account.",
    "rejected.terms_of_service": "Stripe rejected the account.",
    "rejected.listed": "Stripe rejected the account.",
    "rejected.other": "Stripe rejected the account.",
    "listed": "Stripe is reviewing the account.",
    "platform_paused": "Payments are paused by the platform.",
    "action_required.requested_capabilities": "Stripe needs you to finish setting up payments.",
    "other": "Stripe has restricted the account.",
}


def stripe_account_for(*, organizer: Organizer) -> StripeAccount | None:
    """The organizer's Stripe account (call in the organizer's tenant context)."""
    return StripeAccount.objects.filter(organizer=organizer).first()


def stripe_account_organizer_id(*, stripe_account_id: str) -> int | None:
    """Which organizer owns this Stripe account (None: not ours).

    Webhooks arrive without an organizer: call in ``tenancy.system_context()`` (the worker's
    role) so PostgreSQL row-level security lets the lookup see every organizer's rows.
    """
    return (
        StripeAccount.objects.filter(stripe_account_id=stripe_account_id)
        .values_list("organizer_id", flat=True)
        .first()
    )


def charges_enabled(*, organizer: Organizer) -> bool:
    """Stripe lets this organizer take card payments (as last reported by Stripe)."""
    return StripeAccount.objects.filter(organizer=organizer, charges_enabled=True).exists()


# Stripe's requirement field paths (or their first part), in words; others are spelled out.
REQUIREMENT_LABELS: dict[str, str] = {
    "external_account": "Bank account for payouts",
    "tos_acceptance": "Acceptance of Stripe's terms of service",
    "business_type": "Business type",
    "business_profile.url": "Business website",
    "business_profile.mcc": "Business category",
    "business_profile.product_description": "Description of what you sell",
    "representative": "Details of the account's representative",
    "individual.verification.document": "Identity document",
    "company.verification.document": "Company verification document",
}


def requirement_label(field_path: str) -> str:
    """``individual.dob.day`` → ``Individual / dob / day``; well-known paths (and their first
    part, such as ``tos_acceptance.date``) get plain words from ``REQUIREMENT_LABELS``."""
    head = field_path.split(".", 1)[0]
    known = REQUIREMENT_LABELS.get(field_path) or REQUIREMENT_LABELS.get(head)
    if known:
        return known
    parts = [p.replace("_", " ") for p in field_path.split(".") if p]
    if not parts:
        return field_path
    parts[0] = parts[0][:1].upper() + parts[0][1:]
    return " / ".join(parts)


@dataclass(frozen=True)
class ConnectStatus:
    """What the Payments settings page shows."""

    account: StripeAccount | None
    #: not_connected | incomplete | restricted | enabled
    state: str
    headline: str
    requirements: list[str]
    disabled_reason: str


def connect_status(*, organizer: Organizer) -> ConnectStatus:
    account = stripe_account_for(organizer=organizer)
    if account is None:
        return ConnectStatus(None, "not_connected", "Not connected", [], "")
    requirements = list(dict.fromkeys(requirement_label(r) for r in account.requirements_due))
    reason = DISABLED_REASONS.get(account.disabled_reason, "") if account.disabled_reason else ""
    if reason == "" and account.disabled_reason:
        reason = DISABLED_REASONS["other"]
    if account.charges_enabled:
        state, headline = "enabled", "Charges enabled"
    elif not account.details_submitted:
        state, headline = "incomplete", "Onboarding not finished"
    else:
        state, headline = "restricted", "Charges not enabled yet"
    return ConnectStatus(account, state, headline, requirements, reason)
