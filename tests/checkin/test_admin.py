"""The Django admin shows check-in lists, devices and scans read-only (never a device token)."""

from __future__ import annotations

import pytest
from django.contrib import admin

from blackcanyon.checkin.models import CheckInList, Scan, ScannerDevice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [CheckInList, ScannerDevice, Scan]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_staff_can_list_but_not_add(client, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/checkin/{model._meta.model_name}/"

    assert client.get(url).status_code == 200
    assert client.get(f"{url}add/").status_code == 403
    assert not admin.site._registry[model].has_delete_permission(None)


def test_the_device_admin_never_shows_the_token_hash():
    assert "token_hash" in admin.site._registry[ScannerDevice].exclude
