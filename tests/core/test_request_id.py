"""Every request carries an id (``X-Request-ID``) for logs and audit entries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blackcanyon.core import request_context

pytestmark = pytest.mark.django_db


def test_incoming_request_id_is_echoed(client: Client) -> None:
    # Given a proxy that sends its own request id
    # When /health is requested
    response = client.get("/health", headers={"X-Request-ID": "edge-42-abc"})
    # Then the response carries the same id back
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-42-abc"


def test_missing_request_id_is_created(client: Client) -> None:
    # When two requests arrive without an id
    first = client.get("/health")["X-Request-ID"]
    second = client.get("/health")["X-Request-ID"]
    # Then each gets a fresh random one
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert first != second


@pytest.mark.parametrize("incoming", ["x" * 65, "bad\x7fid"])
def test_unreasonable_incoming_request_id_is_replaced(client: Client, incoming: str) -> None:
    # Given an over-long or non-printable id (log injection, log bloat)
    response = client.get("/health", headers={"X-Request-ID": incoming})
    # Then it is not trusted: a fresh id is used instead
    assert re.fullmatch(r"[0-9a-f]{16}", response["X-Request-ID"])


def test_request_id_does_not_leak_past_the_request(client: Client) -> None:
    client.get("/health", headers={"X-Request-ID": "only-for-this-request"})
    assert request_context.request_id() == ""
