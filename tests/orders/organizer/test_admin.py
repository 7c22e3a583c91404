"""The Django admin shows orders, tickets, codes and payments read-only: no side door around the
services that hold seats, write the audit log and email buyers."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from blackcanyon.orders.models import DiscountCode, Order, PaymentAttempt, Ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [Order, Ticket, DiscountCode, PaymentAttempt]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_staff_can_list_but_not_add_change_or_delete(staff_client, model):
    label = f"/admin/orders/{model._meta.model_name}/"

    listing = staff_client.get(label)
    adding = staff_client.get(f"{label}add/")

    assert listing.status_code == 200
    assert adding.status_code == 403
    request = RequestFactory().get(label)
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
