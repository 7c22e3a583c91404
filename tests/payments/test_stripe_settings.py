"""The production guard's Stripe checks: Stripe stays optional, but a configured key must be a
real secret key and come with the webhook signing secret."""

from __future__ import annotations

from blackcanyon.config.guard import production_problems

GOOD = {
    "SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789",
    "DATABASE_URL": "postgres://bct_web:pw@db.internal:5432/blackcanyon",
    "PUBLIC_APP_URL": "https://tickets.canyon.example",
}


def test_stripe_is_optional_in_production() -> None:
    assert production_problems(GOOD) == []


def test_a_stripe_key_needs_the_webhook_secret() -> None:
    problems = production_problems({**GOOD, "STRIPE_SECRET_KEY": "sk_live_abc"})
    assert problems == ["STRIPE_WEBHOOK_SECRET (whsec_...) is required when Stripe is enabled."]
    assert (
        production_problems(
            {**GOOD, "STRIPE_SECRET_KEY": "rk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"}
        )
        == []
    )


def test_a_publishable_key_in_the_secret_slot_is_refused() -> None:
    problems = production_problems(
        {**GOOD, "STRIPE_SECRET_KEY": "pk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"}
    )
    assert problems == ["STRIPE_SECRET_KEY is not a Stripe secret key (sk_... or rk_...)."]
