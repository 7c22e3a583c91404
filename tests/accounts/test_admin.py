from __future__ import annotations

import pytest

from blackcanyon.accounts.models import User
from tests.accounts.conftest import audit_actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


def test_staff_find_users_by_email(staff_client):
    UserFactory(email="ana@example.com")
    response = staff_client.get("/admin/accounts/user/?q=ana@")
    assert response.status_code == 200
    assert "ana@example.com" in response.text


def test_staff_create_a_user_by_email(staff_client):
    response = staff_client.get("/admin/accounts/user/add/")
    assert response.status_code == 200
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Door@Example.com",
            "full_name": "Door Staff",
            "usable_password": "true",
            "password1": "granite mesa sunrise 42",
            "password2": "granite mesa sunrise 42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="door@example.com")
    assert user.check_password("granite mesa sunrise 42")
    assert "accounts.user.admin_created" in audit_actions(staff_client.staff)


def test_staff_open_a_user_and_erase_it(staff_client):
    user = UserFactory(email="ana@example.com")
    assert staff_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200

    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "erase_personal_data", "_selected_action": [user.pk]},
        follow=True,
    )

    assert "Erased 1 account" in response.text
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@invalid"
    assert "accounts.user.erased" in audit_actions(staff_client.staff)
