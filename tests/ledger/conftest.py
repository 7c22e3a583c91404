"""Ledger tests. On PostgreSQL every ledger test checks the database's balance guard at each
statement (``SET CONSTRAINTS ALL IMMEDIATE``) instead of at a COMMIT the test never reaches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _immediate_guards(request: Any) -> Iterator[None]:
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    if marker is None or transactional or connection.vendor != "postgresql":
        yield
        return
    request.getfixturevalue("db")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
