"""`bct check --deploy` and the production settings, run as an operator would: in a fresh process
whose environment holds nothing but what the test puts there."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from blackcanyon.config.guard import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
CHECK = [sys.executable, "-m", "blackcanyon.cli", "check", "--deploy", "--fail-level", "WARNING"]
REFUSAL = "Refusing to start in production"


def production_env(**overrides: str | None) -> dict[str, str]:
    """A correct production environment built from scratch; ``None`` removes a variable."""
    env: dict[str, str | None] = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "DJANGO_SETTINGS_MODULE": "blackcanyon.config.settings",
        "BCT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),  # 64 random characters
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x",
        "PUBLIC_APP_URL": "https://tickets.test.example",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_correct_production_environment_passes_check_deploy_without_warnings() -> None:
    # Given a correct production environment
    env = production_env()
    # When the operator runs `bct check --deploy` failing on warnings
    result = run(CHECK, env)
    # Then it exits 0 with no issue at all
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output
    assert env["SECRET_KEY"] not in output


@pytest.fixture
def silent_listener() -> Iterator[socket.socket]:
    """A TCP port that accepts connections but never answers: a stand-in database server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        yield listener


def test_check_deploy_does_not_connect_to_the_database(silent_listener: socket.socket) -> None:
    # Given DATABASE_URL points at a port we watch (the check may run before the DB is reachable)
    port = silent_listener.getsockname()[1]
    env = production_env(DATABASE_URL=f"postgres://u:p@127.0.0.1:{port}/x")
    # When the deploy check runs
    result = run(CHECK, env)
    # Then it passes, and nothing ever knocked on the database port
    assert result.returncode == 0, result.stdout + result.stderr
    with pytest.raises(BlockingIOError):
        silent_listener.accept()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is a default or example value"),
        ({"SECRET_KEY": "too-short-secret"}, "SECRET_KEY is too weak"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"PUBLIC_APP_URL": None}, "PUBLIC_APP_URL is not set"),
        (
            {"PUBLIC_APP_URL": "http://tickets.test.example"},
            "PUBLIC_APP_URL must be an https:// URL",
        ),
        ({"DEBUG": "1"}, "DEBUG is on"),
    ],
    ids=[
        "missing-secret",
        "dev-default-secret",
        "short-secret",
        "missing-database-url",
        "missing-public-url",
        "http-public-url",
        "debug-on",
    ],
)
def test_unsafe_production_environment_refuses_to_start(
    overrides: dict[str, str | None], problem: str
) -> None:
    # Given a production environment with one unsafe setting
    env = production_env(**overrides)
    # When the deploy check runs
    result = run(CHECK, env)
    # Then it fails, says it refuses to start and names the problem
    assert result.returncode != 0
    assert REFUSAL in result.stderr
    assert problem in result.stderr
    # And a secret that was given is not echoed back
    if env.get("SECRET_KEY"):
        assert env["SECRET_KEY"] not in result.stdout + result.stderr


def test_every_problem_is_listed_in_one_refusal() -> None:
    # Given several unsafe settings at once
    env = production_env(
        SECRET_KEY=None, DATABASE_URL=None, PUBLIC_APP_URL="http://tickets.test.example", DEBUG="1"
    )
    # When the deploy check runs
    result = run(CHECK, env)
    # Then one refusal lists all four, so the operator fixes them in one go
    assert result.returncode != 0
    assert result.stderr.count(REFUSAL) >= 1
    for problem in (
        "SECRET_KEY is not set",
        "DATABASE_URL is not set",
        "PUBLIC_APP_URL must be an https:// URL",
        "DEBUG is on",
    ):
        assert problem in result.stderr


PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "MAIL_BACKEND": settings.MAILERS["default"]["BACKEND"],
}))
"""


def test_production_settings_force_https_secure_cookies_and_a_year_of_hsts() -> None:
    # Given a correct production environment
    # When the settings are loaded in a fresh process
    result = run([sys.executable, "-c", PRINT_SETTINGS], production_env())
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    # Then HTTPS is enforced and cookies never travel in clear text
    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SESSION_COOKIE_NAME"].startswith("__Host-")
    # And only the public host is served, and mail really leaves the machine
    assert loaded["ALLOWED_HOSTS"] == ["tickets.test.example"]
    assert loaded["MAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_debug_env_cannot_switch_production_settings_to_debug() -> None:
    # DEBUG=0 is accepted by the guard; DEBUG stays off in production whatever else is set.
    result = run([sys.executable, "-c", PRINT_SETTINGS], production_env(DEBUG="0"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is False
