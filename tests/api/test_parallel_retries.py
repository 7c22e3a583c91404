"""Parallel retries with one Idempotency-Key (PostgreSQL, real concurrent requests): one order,
seats taken once, every caller gets that same order."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from tests.api.conftest import Seller, order_body, orders_of, taken

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 8


def test_parallel_retries_with_one_key_sell_once(seller: Seller):
    # Given eight copies of one request, released at the same moment
    body = json.dumps(order_body((seller.floor.pk, 2)))
    path = f"/api/v1/events/{seller.event.pk}/orders/"
    start = threading.Barrier(PARALLEL)

    def post(_: int) -> tuple[int, dict]:
        try:
            start.wait()
            response = Client().post(
                path,
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="till-1-sale-9",
                **seller.auth,
            )
            return response.status_code, response.json()
        finally:
            connections.close_all()

    # When they all reach the API at once
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(post, range(PARALLEL)))

    # Then exactly one created the order, the others got that same order back
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (PARALLEL - 1) + [201], results
    assert len({body["code"] for _, body in results}) == 1
    assert len(orders_of(seller.organizer)) == 1
    assert taken(seller.floor) == 2
