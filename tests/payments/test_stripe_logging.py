"""The Stripe SDK's DEBUG records (request parameters, response bodies: onboarding and dashboard
sign-in links, buyers' emails) never reach the logs, even when an operator sets LOG_LEVEL=DEBUG.

Run as an operator would start the app: a fresh process with the production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import blackcanyon

# The source tree this test imports, so the child process runs the same code.
SOURCE = Path(blackcanyon.__file__).resolve().parents[1]

PROBE = """
import logging
import django

django.setup()
logging.getLogger("stripe").debug("STRIPE-DEBUG post_data=url=https://connect.stripe.com/x")
logging.getLogger("stripe").info("STRIPE-INFO Request to Stripe api")
logging.getLogger("blackcanyon.probe").debug("APP-DEBUG")
"""


def test_stripe_debug_records_stay_out_of_the_logs_at_log_level_debug() -> None:
    # Given production settings with LOG_LEVEL=DEBUG
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "PYTHONPATH": str(SOURCE),
        "DJANGO_SETTINGS_MODULE": "blackcanyon.config.settings",
        "BCT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x",
        "PUBLIC_APP_URL": "https://tickets.test.example",
        "LOG_LEVEL": "DEBUG",
    }
    # When the app starts and the Stripe SDK logs at DEBUG and INFO
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Then the app's own DEBUG lines are written (LOG_LEVEL took effect)
    assert "APP-DEBUG" in output
    # and Stripe's INFO lines (method, URL, status) too, but never its DEBUG lines
    assert "STRIPE-INFO" in output
    assert "STRIPE-DEBUG" not in output
    assert "connect.stripe.com" not in output
