"""The terms of sale and privacy policy buyers accept at checkout, with their versions."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.orders.shop.helpers import text

pytestmark = pytest.mark.django_db


def test_terms_of_sale_show_their_version(client):
    response = client.get("/legal/terms/")

    page = text(response)
    assert response.status_code == 200
    assert "Terms of sale" in page
    assert f"Version {settings.BCT_TERMS_VERSION}." in page
    assert "Reservations and payment" in page


def test_privacy_policy_shows_its_version(client):
    response = client.get("/legal/privacy/")

    page = text(response)
    assert response.status_code == 200
    assert "Privacy policy" in page
    assert f"Version {settings.BCT_PRIVACY_VERSION}." in page
    assert "We never see or store your card details." in page
