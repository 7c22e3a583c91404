"""The production guard, called directly: one clear sentence per unsafe setting."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from blackcanyon.config.guard import (
    DEV_SECRET_KEY,
    KNOWN_EXAMPLE_VALUES,
    MIN_SECRET_KEY_LENGTH,
    is_true,
    production_problems,
)


def good_env(**overrides: str) -> dict[str, str]:
    env = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": "postgres://bct_web:s3cret@db.internal:5432/blackcanyon",
        "PUBLIC_APP_URL": "https://tickets.test.example",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v != "<unset>"}


def test_a_complete_production_environment_has_no_problems() -> None:
    assert production_problems(good_env()) == []
    assert production_problems(good_env(DATABASE_URL="postgresql://u:p@h/db", DEBUG="0")) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SECRET_KEY": "<unset>"}, "SECRET_KEY is not set."),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set."),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is a default or example value"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a default or example value"),
        ({"SECRET_KEY": "x" * 20}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY is too weak"),
        ({"DATABASE_URL": "<unset>"}, "DATABASE_URL is not set."),
        ({"DATABASE_URL": "sqlite:///var/db.sqlite3"}, "DATABASE_URL must point at PostgreSQL"),
        (
            {"DATABASE_URL": "postgres://bct_web:change-me@db.example.com:5432/blackcanyon"},
            "DATABASE_URL is the example value",
        ),
        ({"PUBLIC_APP_URL": "<unset>"}, "PUBLIC_APP_URL is not set."),
        ({"PUBLIC_APP_URL": "http://tickets.test.example"}, "must be an https:// URL"),
        ({"PUBLIC_APP_URL": "https://"}, "must be an https:// URL"),
        ({"PUBLIC_APP_URL": "https://tickets.example.com"}, "PUBLIC_APP_URL is the example value"),
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"DEBUG": "True"}, "DEBUG is on"),
    ],
)
def test_each_unsafe_setting_is_named(overrides: dict[str, str], problem: str) -> None:
    # Given a production environment with one unsafe setting
    # When the guard inspects it
    problems = production_problems(good_env(**overrides))
    # Then exactly that problem is reported, in words an operator can act on
    assert len(problems) == 1
    assert problem in problems[0]


def test_all_problems_are_listed_at_once() -> None:
    # Given an environment with everything wrong
    env = {"SECRET_KEY": "short", "PUBLIC_APP_URL": "http://x.example", "DEBUG": "yes"}
    # Then the operator gets the whole list, not one problem per restart
    problems = production_problems(env)
    assert len(problems) == 4
    assert any("SECRET_KEY is too weak" in p for p in problems)
    assert any("DATABASE_URL is not set" in p for p in problems)
    assert any("PUBLIC_APP_URL must be an https:// URL" in p for p in problems)
    assert any("DEBUG is on" in p for p in problems)


def test_problems_never_echo_the_secret_value() -> None:
    leaked = "short-but-secret-value"
    problems = production_problems(good_env(SECRET_KEY=leaked, DATABASE_URL="mysql://u:pw@h/d"))
    assert problems
    assert not any(leaked in p or "pw@" in p for p in problems)


def test_the_dev_default_is_long_enough_to_pass_the_length_rule_so_it_is_listed() -> None:
    # The development key would pass the length check; only the known-values list stops it.
    assert len(DEV_SECRET_KEY) >= MIN_SECRET_KEY_LENGTH
    assert DEV_SECRET_KEY in KNOWN_EXAMPLE_VALUES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("on", True),
        ("0", False),
        ("", False),
        (None, False),
        ("off", False),
        ("no", False),
    ],
)
def test_is_true_reads_the_usual_spellings(value: str | None, expected: bool) -> None:
    assert is_true(value) is expected


def test_the_shipped_env_example_is_refused_as_is() -> None:
    # Given an operator who copies .env.example without filling it in
    example = Path(__file__).resolve().parents[2] / ".env.example"
    if not example.exists():
        pytest.skip(".env.example not present")
    env = {}
    for line in example.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            env[key.strip()] = value.strip()
    # When the guard inspects it, Then each example secret and URL is named
    problems = " ".join(production_problems(env))
    assert "SECRET_KEY is a default or example value" in problems
    assert "DATABASE_URL is the example value" in problems
    assert "PUBLIC_APP_URL is the example value" in problems
