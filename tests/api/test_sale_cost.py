"""A box-office sale through the API costs a small, fixed number of database statements.

The order API's throughput is bound by the CPU each statement costs in Python and PostgreSQL
(docs/performance.md), so this pins the count: a change that adds statements to the hot path
shows up here, not only in the benchmark. Today a repeat sale of one organizer is: event, ticket
types, order (in a savepoint for the code retry), lines, payment, tickets, audit entry, email
message and its task, then the seat counters (one round trip on PostgreSQL) — and no
tenant-context writes (the session already holds the organizer) and no token lookup (cached).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import ApiClient, Seller, order_body

pytestmark = pytest.mark.django_db

BUDGET = 15  # statements; the test runs in a transaction, so BEGIN/COMMIT show as a savepoint


def _sale_statements(api: ApiClient, seller: Seller, key: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = api.post(
            f"/api/v1/events/{seller.event.pk}/orders/",
            order_body((seller.floor.pk, 1)),
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert response.status_code == 201, response.content
    return [q["sql"] for q in queries.captured_queries]


@override_settings(BCT_API_TOKEN_CACHE_SECONDS=60)
def test_a_repeat_sale_costs_a_fixed_number_of_statements(api, seller):
    _sale_statements(api, seller, "first")
    statements = _sale_statements(api, seller, "second")
    assert len(statements) <= BUDGET, "\n".join(statements)
    assert not [s for s in statements if "set_config" in s]
    assert not [s for s in statements if "api_apitoken" in s]
