from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail

from blackcanyon.accounts.models import User
from blackcanyon.core import clock
from tests.accounts.conftest import NEW_PASSWORD, audit_actions, link_path, sent_to
from tests.factories import UserFactory

# Real commits: emails are queued in the change's transaction and sent by the worker after it.
pytestmark = pytest.mark.django_db(transaction=True)


def _signup(client, email="ana@example.com", **overrides):
    data = {
        "email": email,
        "full_name": "Ana Canyon",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def test_signup_logs_in_and_asks_to_check_email(client):
    # Given a visitor
    # When they sign up
    response = _signup(client, email="Ana@Example.com")

    # Then they are logged in, told to check their email, and the account is not verified yet
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Check your email" in page.text
    assert "ana@example.com" in page.text
    user = User.objects.get(email="ana@example.com")
    assert user.full_name == "Ana Canyon"
    assert user.email_verified_at is None
    assert page.wsgi_request.user == user
    assert audit_actions(user) == ["accounts.user.signed_up"]


def test_verification_email_link_verifies_the_address(client):
    # Given a fresh signup
    _signup(client)
    assert mail.outbox == []  # queued, not sent, until the worker runs

    # When the queued email is delivered and its link followed
    [message] = sent_to("ana@example.com")
    assert "Confirm your email" in message.subject
    response = client.get(link_path(message), follow=True)

    # Then the address is verified and the user is told so
    assert "your email address is verified" in response.text
    user = User.objects.get(email="ana@example.com")
    assert user.email_verified_at is not None
    assert audit_actions(user) == ["accounts.user.signed_up", "accounts.user.email_verified"]


def test_verification_link_works_without_being_logged_in(client):
    # Given a signup whose link is opened in another browser
    _signup(client)
    [message] = sent_to("ana@example.com")
    client.post("/accounts/logout/")

    # When the link is followed logged out
    response = client.get(link_path(message))

    # Then the address is verified and the visitor is sent to log in
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert User.objects.get(email="ana@example.com").is_verified


def test_expired_verification_link_is_refused_with_a_resend_option(client):
    # Given a verification link older than the allowed time
    _signup(client)
    [message] = sent_to("ana@example.com")
    later = clock.now() + timedelta(seconds=settings.BCT_EMAIL_VERIFICATION_TTL + 60)

    # When it is followed
    with clock.frozen(later):
        response = client.get(link_path(message))

    # Then the page says it expired, offers a new link, and nothing is verified
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert "Send me a new link" in response.text
    assert not User.objects.get(email="ana@example.com").is_verified


def test_tampered_verification_link_is_refused(client):
    # Given a verification link with one character changed
    _signup(client)
    [message] = sent_to("ana@example.com")
    path = link_path(message)
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    # When it is followed
    response = client.get(tampered)

    # Then it is refused and the account stays unverified
    assert response.status_code == 400
    assert "This link does not work" in response.text
    assert not User.objects.get(email="ana@example.com").is_verified


def test_signup_with_registered_email_points_to_login_and_reset(client):
    # Given an existing account
    UserFactory(email="taken@example.com")

    # When someone signs up with the same address in other case
    response = _signup(client, email="TAKEN@example.com")

    # Then the form says so, keeps what was typed, and creates nothing
    assert response.status_code == 422
    assert "An account with this email already exists" in response.text
    assert 'value="Ana Canyon"' in response.text
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_signup_rejects_weak_and_mismatched_passwords(client):
    # When the password is too short
    response = _signup(client, password1="short", password2="short")
    # Then the validator's message shows at the password field
    assert response.status_code == 422
    assert "too short" in response.text
    # When the two passwords differ
    response = _signup(client, password2=NEW_PASSWORD + "x")
    assert "The two passwords do not match" in response.text
    assert not User.objects.exists()


def test_resend_sends_a_fresh_link_and_is_rate_limited(client):
    # Given an unverified user
    user = UserFactory(email_verified_at=None)
    client.force_login(user)

    # When they ask for a new link five times, then a sixth time
    for _ in range(5):
        response = client.post("/accounts/verify-email/resend/")
        assert response.status_code == 302
    response = client.post("/accounts/verify-email/resend/")

    # Then five emails go out and the sixth request is refused with a clear message
    assert response.status_code == 429
    assert "Too many requests" in response.text
    assert len(sent_to(user.email)) == 5
    assert audit_actions(user).count("accounts.user.verification_sent") == 5


def test_old_verification_link_stops_working_after_the_email_changes(client):
    # Given a verification link for an address the account no longer has
    _signup(client)
    [message] = sent_to("ana@example.com")
    User.objects.filter(email="ana@example.com").update(email="other@example.com")

    # When it is followed
    response = client.get(link_path(message))

    # Then it is refused
    assert response.status_code == 400
    assert not User.objects.get(email="other@example.com").is_verified


def test_signup_returns_to_a_safe_next_page_such_as_an_invitation(client):
    # Given a visitor who came from an invitation link
    # When they sign up with ?next= pointing back to it
    response = _signup(client, next="/o/invitations/some-token/")

    # Then they land back there, logged in
    assert response.status_code == 302
    assert response["Location"] == "/o/invitations/some-token/"
    assert client.get("/accounts/settings/").status_code == 200


def test_signup_ignores_a_next_page_on_another_site(client):
    # When a crafted link sends ?next= to a foreign host
    response = _signup(client, next="https://evil.example/phish")

    # Then the buyer is not sent away
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify-email/sent/"
