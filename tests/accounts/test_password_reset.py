from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from blackcanyon.accounts.models import User
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, audit_actions, link_path, sent_to
from tests.factories import UserFactory

# Real commits: emails are queued in the change's transaction and sent by the worker after it.
pytestmark = pytest.mark.django_db(transaction=True)


def _request_reset(client, email):
    return client.post("/accounts/password-reset/", {"email": email})


def _follow_reset_link(client, message):
    response = client.get(link_path(message))
    assert response.status_code == 302  # the token moves into the session
    return response["Location"]


def test_password_reset_full_flow(client):
    # Given an account holder who forgot their password
    user = UserFactory(email="ana@example.com")

    # When they request a reset, follow the emailed link and choose a new password
    response = _request_reset(client, "ANA@example.com")
    assert response.status_code == 302
    assert "If an account exists" in client.get(response["Location"]).text
    [message] = sent_to("ana@example.com")
    assert "Reset your" in message.subject
    set_url = _follow_reset_link(client, message)
    assert "set-password" in set_url
    assert "Choose a new password" in client.get(set_url).text
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # Then they are sent to log in, the new password works and the old one does not
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert "accounts.user.password_reset" in audit_actions(user)
    assert any("password was changed" in m.subject for m in sent_to("ana@example.com"))


def test_reset_link_works_only_once(client):
    # Given a reset link that was used
    UserFactory(email="ana@example.com")
    _request_reset(client, "ana@example.com")
    [message] = sent_to("ana@example.com")
    set_url = _follow_reset_link(client, message)
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # When it is followed again
    response = client.get(link_path(message))

    # Then it is refused with a way to ask for a new one
    assert response.status_code == 400
    assert "invalid or has expired" in response.text
    assert "Request a new reset link" in response.text


def test_reset_request_for_unknown_email_looks_the_same_and_sends_nothing(client):
    # When a reset is requested for an address with no account
    response = _request_reset(client, "nobody@example.com")

    # Then the answer is the same as for a real account, and no email is sent
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert sent_to("nobody@example.com") == []


def test_reset_requests_are_rate_limited_per_email(client):
    # Given an address that already asked five times this hour
    UserFactory(email="ana@example.com")
    for _ in range(5):
        assert _request_reset(client, "ana@example.com").status_code == 302

    # When it asks again
    response = _request_reset(client, "ana@example.com")

    # Then the form explains the limit and keeps the address typed
    assert response.status_code == 429
    assert "Too many requests" in response.text
    assert 'value="ana@example.com"' in response.text
    assert len(sent_to("ana@example.com")) == 5


def test_weak_new_password_is_refused_on_the_form(client):
    UserFactory(email="ana@example.com")
    _request_reset(client, "ana@example.com")
    [message] = sent_to("ana@example.com")
    set_url = _follow_reset_link(client, message)

    response = client.post(set_url, {"new_password1": "12345", "new_password2": "12345"})

    assert response.status_code == 422
    assert "too short" in response.text


def test_reset_lifts_a_lockout_and_verifies_the_email(client):
    # Given an unverified account locked out by failed logins
    user = UserFactory(email="ana@example.com", email_verified_at=None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "ana@example.com", "password": "wrong1234"})

    # When its holder resets the password through the emailed link
    _request_reset(client, "ana@example.com")
    [message] = sent_to("ana@example.com")
    set_url = _follow_reset_link(client, message)
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    mail.outbox.clear()

    # Then they can log in at once, and the address counts as verified
    response = client.post(
        "/accounts/login/", {"username": "ana@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).is_verified
