"""The schema and docs are served, and every address under /api/ answers JSON (never HTML)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import ApiClient, Seller

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_endpoint_with_bearer_auth(seller: Seller):
    # When anyone fetches the schema (no token needed)
    response = Client().get("/api/v1/openapi.json")

    # Then it is OpenAPI 3.1 with our endpoints, bearer auth and the error document
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/v1/events/",
        "/api/v1/events/{event_id}/ticket-types/",
        "/api/v1/events/{event_id}/orders/",
        "/api/v1/orders/{code}/",
    }
    assert set(paths["/api/v1/events/{event_id}/orders/"]) == {"get", "post"}
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    create = paths["/api/v1/events/{event_id}/orders/"]["post"]
    assert create["operationId"] == "order_create"
    assert {"200", "201", "401", "404", "409", "422", "429"} <= set(create["responses"])
    headers = [p["name"] for p in create["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]
    assert "ErrorOut" in schema["components"]["schemas"]


def test_docs_page_uses_only_our_own_assets_under_the_csp(seller: Seller):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.text
    assert "swagger-ui-bundle.js" in html
    # Every script and stylesheet comes from our static files (no CDN), and nothing inline runs
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "cdn" not in csp


def test_static_assets_of_the_docs_are_served(seller: Seller):
    for asset in ["ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"]:
        response = Client().get(f"/static/{asset}")
        assert response.status_code == 200, asset


def test_api_root_points_at_the_docs(seller: Seller):
    body = Client().get("/api/v1/").json()
    assert body["docs"].endswith("/api/v1/docs")
    assert body["openapi"].endswith("/api/v1/openapi.json")


@pytest.mark.parametrize("path", ["/api/", "/api", "/api/v2/events/", "/api/v1/nothing/here/"])
def test_unknown_api_addresses_are_json_404(api: ApiClient, path: str):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_a_missing_trailing_slash_is_pointed_out(api: ApiClient):
    response = api.get("/api/v1/events")

    assert response.status_code == 404
    assert "/api/v1/events/" in response.json()["error"]["message"]


def test_an_unsupported_method_is_json_405(api: ApiClient):
    response = api.client.delete("/api/v1/events/", **api.headers)

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_api_posts_need_no_csrf_token(seller: Seller):
    # The API authenticates by bearer token, so a strict-CSRF client must not block it
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/events/{seller.event.pk}/orders/",
        {
            "items": [{"ticket_type_id": seller.floor.pk, "quantity": 1}],
            "buyer": {"name": "Ana"},
            "payment": {"method": "box_office"},
        },
        content_type="application/json",
        **seller.auth,
    )
    assert response.status_code == 201


def test_an_unexpected_error_is_a_json_500_without_details(api: ApiClient, seller, monkeypatch):
    # Given a bug deep inside a selector
    from blackcanyon.api import selectors

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "event_page_for_api", broken)

    # When the endpoint runs
    response = api.get("/api/v1/events/")

    # Then the client gets our JSON error, and no internals
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret" not in response.text


def test_api_responses_are_never_cached(api: ApiClient, seller: Seller):
    for path in ["/api/v1/events/", f"/api/v1/events/{seller.event.pk}/orders/", "/api/v1/x/"]:
        response = api.get(path)
        assert "no-store" in response["Cache-Control"], path
