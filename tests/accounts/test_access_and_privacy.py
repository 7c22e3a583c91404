from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from blackcanyon.accounts import privacy
from blackcanyon.accounts.decorators import verified_email_required
from blackcanyon.core.errors import PermissionDenied
from tests.accounts.conftest import PASSWORD, audit_actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@verified_email_required
def _protected(request):
    return HttpResponse("secret organizer form")


def _call(user):
    request = RequestFactory().get("/o/new/?step=1")
    request.user = user
    return _protected(request)


def test_verified_email_required_lets_verified_users_through():
    assert _call(UserFactory()).content == b"secret organizer form"


def test_verified_email_required_sends_unverified_users_to_verify(client):
    # Given an unverified user
    user = UserFactory(email_verified_at=None)

    # When they open a page that needs a verified email
    response = _call(user)

    # Then they are sent to the explanation page, which offers a new link and the way back
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify-email/required/?next=%2Fo%2Fnew%2F%3Fstep%3D1"
    client.force_login(user)
    page = client.get(response["Location"])
    assert "Confirm your email address first" in page.text
    assert "Send me a new link" in page.text
    assert 'href="/o/new/?step=1"' in page.text


def test_verified_email_required_sends_visitors_to_login():
    from django.contrib.auth.models import AnonymousUser

    response = _call(AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_export_user_lists_personal_data():
    user = UserFactory(email="ana@example.com", full_name="Ana Canyon")
    data = privacy.export_user(user)
    assert data["email"] == "ana@example.com"
    assert data["full_name"] == "Ana Canyon"
    assert data["email_verified_at"] is not None


def test_erase_user_pseudonymises_and_ends_access(client):
    # Given a user
    user = UserFactory(email="ana@example.com", full_name="Ana Canyon")

    # When they erase their account
    privacy.erase_user(actor=user, user=user)

    # Then no personal data is left and they can no longer log in
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@invalid"
    assert user.full_name == ""
    assert not user.has_usable_password()
    assert not user.is_active
    assert "accounts.user.erased" in audit_actions(user)
    response = client.post(
        "/accounts/login/", {"username": "ana@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_only_the_holder_or_staff_may_erase():
    user, stranger = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        privacy.erase_user(actor=stranger, user=user)
    staff = UserFactory(is_staff=True)
    privacy.erase_user(actor=staff, user=user)
    user.refresh_from_db()
    assert not user.is_active
