"""Shared fixtures. The suite runs twice: on SQLite and on PostgreSQL (BCT_TEST_DB=postgres).

On PostgreSQL the test database is created and migrated as the superuser (like `bct migrate` as
the owner), then every connection acts as the unprivileged ``bct_app`` role — the same role the web
app uses in production — so row-level security is in force for the whole suite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from blackcanyon.core import tenancy
from blackcanyon.core.rls import APP_ROLE

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("BCT_TEST_DB") == "postgres"
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL-only; runs in the PostgreSQL pass"))
        if "sqlite" in item.keywords and on_postgres:
            item.add_marker(pytest.mark.skip(reason="SQLite-only; runs in the SQLite pass"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            # TransactionTestCase-style tests flush tables between tests with TRUNCATE.
            cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        connection.settings_dict["SET_ROLE"] = APP_ROLE
        connection.close()
    yield
    with django_db_blocker.unblock():
        connection.settings_dict.pop("SET_ROLE", None)
        connection.close()


@pytest.fixture(autouse=True)
def _clean_tenant_context() -> Iterator[None]:
    yield
    tenancy._current.set(tenancy.TenantContext())
