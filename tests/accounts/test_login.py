from __future__ import annotations

import pytest
from django.conf import settings

from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_redirects_to_next(client):
    # Given an account
    user = UserFactory(email="door@example.com")

    # When its holder logs in (any capitalisation) coming from a protected page
    response = client.post(
        "/accounts/login/?next=/accounts/settings/",
        {"username": "Door@Example.com", "password": PASSWORD},
    )

    # Then they land where they were going, logged in
    assert response.status_code == 302
    assert response["Location"] == "/accounts/settings/"
    assert client.get("/accounts/settings/").wsgi_request.user == user


def test_login_ignores_an_offsite_next(client):
    # Given an account and a malicious next parameter
    UserFactory(email="door@example.com")

    # When logging in with it
    response = client.post(
        "/accounts/login/?next=https://evil.example/steal",
        {"username": "door@example.com", "password": PASSWORD},
    )

    # Then the user goes to the default page, not off-site
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_login_page_labels_the_field_email(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert ">Email</label>" in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_wrong_password_shows_a_clear_error(client):
    UserFactory(email="door@example.com")
    response = client.post(
        "/accounts/login/", {"username": "door@example.com", "password": "nope nope nope"}
    )
    assert response.status_code == 200
    assert "do not match an account" in response.text
    assert 'value="door@example.com"' in response.text


def test_logout_needs_post(client):
    # Given a logged-in user
    client.force_login(UserFactory())

    # When they open the logout URL with GET, nothing happens
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/accounts/settings/").status_code == 200

    # When they POST to it, they are logged out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/accounts/settings/").status_code == 302


def test_logout_can_continue_to_a_local_page_only(client):
    # Given a logged-in user switching accounts from an invitation page
    client.force_login(UserFactory())

    # When they log out with a local next page, they go there; a foreign one is ignored
    response = client.post("/accounts/logout/", {"next": "/accounts/login/?next=/o/"})
    assert response["Location"] == "/accounts/login/?next=/o/"
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    # Given an account
    UserFactory(email="door@example.com")

    # When five wrong passwords are tried
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "door@example.com", "password": "wrong1234"})

    # Then even the right password shows the lockout page and does not log in
    response = client.post(
        "/accounts/login/", {"username": "door@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert "try again in 15 minutes or reset your password" in response.text.lower().replace(
        "\n", " "
    ).replace("  ", " ")
    assert client.get("/accounts/settings/").status_code == 302


def test_lockout_is_per_account(client):
    # Given one locked-out account
    UserFactory(email="door@example.com")
    other = UserFactory(email="other@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "door@example.com", "password": "wrong1234"})

    # When another account logs in from the same place, it works
    response = client.post(
        "/accounts/login/", {"username": "other@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/accounts/settings/").wsgi_request.user == other
