from __future__ import annotations

import pytest

from blackcanyon.accounts.models import User
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, audit_actions, link_path, sent_to
from tests.factories import UserFactory

# Real commits: emails are queued in the change's transaction and sent by the worker after it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_settings_page_requires_login(client):
    response = client.get("/accounts/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/settings/"


def test_settings_page_shows_name_email_and_verification_status(client):
    # Given an unverified user
    user = UserFactory(email="ana@example.com", full_name="Ana Canyon", email_verified_at=None)
    client.force_login(user)

    # When they open their settings
    response = client.get("/accounts/settings/")

    # Then they see their details, the status and the links to change them
    assert response.status_code == 200
    assert 'value="Ana Canyon"' in response.text
    assert "ana@example.com" in response.text
    assert "Not verified" in response.text
    assert "/accounts/settings/password/" in response.text
    assert "/accounts/settings/email/" in response.text


def test_update_name(client):
    user = UserFactory(full_name="Ana")
    client.force_login(user)

    response = client.post("/accounts/settings/", {"full_name": "  Ana   Canyon "}, follow=True)

    assert "Your name is saved" in response.text
    user.refresh_from_db()
    assert user.full_name == "Ana Canyon"
    assert audit_actions(user) == ["accounts.user.profile_updated"]


def test_change_password_keeps_the_session(client):
    # Given a logged-in user
    user = UserFactory(email="ana@example.com")
    client.force_login(user)

    # When they change their password with the right current one
    response = client.post(
        "/accounts/settings/password/",
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    # Then the password is changed, they stay logged in and get a notice by email
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/accounts/settings/").status_code == 200
    assert audit_actions(user) == ["accounts.user.password_changed"]
    [notice] = sent_to("ana@example.com")
    assert "password was changed" in notice.subject


def test_change_password_with_wrong_current_password_is_refused(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/settings/password/",
        {
            "current_password": "not it at all",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 422
    assert "Your current password is not correct" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_password_logs_out_other_sessions(client, django_user_model):
    # Given the same user logged in on two devices
    from django.test import Client

    user = UserFactory()
    other_device = Client()
    other_device.force_login(user)
    client.force_login(user)

    # When they change the password on one
    client.post(
        "/accounts/settings/password/",
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    # Then the other device is logged out
    assert other_device.get("/accounts/settings/").status_code == 302


def _request_email_change(client, new_email="new@example.com", password=PASSWORD):
    return client.post(
        "/accounts/settings/email/", {"new_email": new_email, "current_password": password}
    )


def test_change_email_takes_effect_only_via_the_link_sent_to_the_new_address(client):
    # Given a logged-in user
    user = UserFactory(email="old@example.com")
    client.force_login(user)

    # When they ask to change their email
    response = _request_email_change(client, "New@Example.com")

    # Then nothing changes yet; the new address gets a link, the old one a heads-up
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.com"
    [confirm] = sent_to("new@example.com")
    [heads_up] = sent_to("old@example.com")
    assert "new@example.com" in heads_up.body

    # When the link in the new address's email is opened and confirmed
    path = link_path(confirm)
    page = client.get(path)
    assert "new@example.com" in page.text
    response = client.post(path)

    # Then the email is changed and verified, and the old address is notified
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert user.is_verified
    old_mail = sent_to("old@example.com")
    assert len(old_mail) == 2
    assert "was changed" in old_mail[-1].subject
    assert audit_actions(user) == [
        "accounts.user.email_change_requested",
        "accounts.user.email_changed",
    ]
    # And the link cannot be used again
    assert client.post(path).status_code == 400


def test_change_email_requires_the_current_password(client):
    user = UserFactory(email="old@example.com")
    client.force_login(user)

    response = _request_email_change(client, password="wrong password")

    assert response.status_code == 422
    assert "Your current password is not correct" in response.text
    assert 'value="new@example.com"' in response.text
    assert sent_to("new@example.com") == []


def test_change_email_to_a_registered_address_is_refused(client):
    UserFactory(email="new@example.com")
    user = UserFactory(email="old@example.com")
    client.force_login(user)

    response = _request_email_change(client)

    assert response.status_code == 409
    assert "already exists" in response.text


def test_email_change_link_dies_when_the_password_changes(client):
    # Given a pending email change
    user = UserFactory(email="old@example.com")
    client.force_login(user)
    _request_email_change(client)
    [confirm] = sent_to("new@example.com")

    # When the owner changes their password before the link is used
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])

    # Then the link no longer works
    response = client.get(link_path(confirm))
    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email == "old@example.com"


def test_current_password_guesses_are_rate_limited(client):
    # Given a session whose holder (or thief) keeps guessing the current password
    user = UserFactory()
    client.force_login(user)
    data = {
        "current_password": "guess",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    for _ in range(5):
        assert client.post("/accounts/settings/password/", data).status_code == 422

    # When it tries again, even with the right password
    response = client.post("/accounts/settings/password/", {**data, "current_password": PASSWORD})

    # Then it is told to wait and nothing changes
    assert response.status_code == 429
    assert "Too many requests" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
