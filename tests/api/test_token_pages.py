"""The organizer's API token pages: create (shown once, stored hashed), list, revoke, who may."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from blackcanyon.organizers.models import Role
from tests.api.conftest import ApiClient, Seller, audit_of, tokens_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_RE = r"bct_[a-z0-9]{8}_[A-Za-z0-9_-]{43}"


def tokens_url(seller: Seller) -> str:
    return f"/o/{seller.organizer.slug}/api-tokens/"


def test_owner_creates_a_token_that_is_shown_once_and_stored_hashed(client, seller: Seller):
    # Given the owner on the API tokens page
    client.force_login(seller.owner.user)
    assert client.get(tokens_url(seller)).status_code == 200

    # When they create a token
    response = client.post(tokens_url(seller) + "new/", {"name": "Door tablet"})

    # Then the page shows the whole token once, and is never cached
    assert response.status_code == 200
    [plaintext] = set(re.findall(TOKEN_RE, response.text))
    assert "only time the token is shown" in response.text
    assert "no-store" in response["Cache-Control"]
    # And only its hash and prefix are stored
    token = next(t for t in tokens_of(seller.organizer) if t.name == "Door tablet")
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[4:12]
    assert token.created_by_id == seller.owner.user_id
    stored = json.dumps([str(getattr(token, f.attname)) for f in token._meta.concrete_fields])
    assert plaintext.split("_", 2)[2] not in stored
    # And the token works at once
    assert ApiClient(plaintext).get("/api/v1/events/").status_code == 200
    # And the audit entry names the token but holds no secret
    entries = audit_of(seller.organizer, "api.token.created")
    [entry] = [e for e in entries if e.object_id == str(token.pk)]
    assert entry.data == {"name": "Door tablet", "prefix": token.prefix}
    assert entry.actor_id == seller.owner.user_id

    # And the list shows it by name and prefix, never the secret again
    listing = client.get(tokens_url(seller))
    assert "Door tablet" in listing.text
    assert f"bct_{token.prefix}_" in listing.text
    assert plaintext not in listing.text


def test_a_token_needs_a_name(client, seller: Seller):
    client.force_login(seller.owner.user)
    before = len(tokens_of(seller.organizer))

    response = client.post(tokens_url(seller) + "new/", {"name": "   "})

    assert response.status_code == 200
    assert "This field is required" in response.text
    assert len(tokens_of(seller.organizer)) == before


def test_get_on_the_create_address_goes_back_to_the_list(client, seller: Seller):
    client.force_login(seller.owner.user)
    response = client.get(tokens_url(seller) + "new/")
    assert response.status_code == 302
    assert response["Location"] == tokens_url(seller)


def test_owner_revokes_a_token_after_confirming(client, seller: Seller):
    # Given a working token
    client.force_login(seller.owner.user)
    api = ApiClient(seller.plaintext)
    assert api.get("/api/v1/events/").status_code == 200
    revoke_url = f"{tokens_url(seller)}{seller.token.pk}/revoke/"

    # When the owner asks to revoke it, they are asked to confirm first
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200
    assert "Revoke “Box office”?" in confirm.text
    assert api.get("/api/v1/events/").status_code == 200

    # And when they confirm
    response = client.post(revoke_url, follow=True)

    # Then the token stops working and the list says so
    assert "was revoked" in response.text
    assert "Revoked" in response.text
    assert api.get("/api/v1/events/").json()["error"]["code"] == "token_revoked"
    [entry] = audit_of(seller.organizer, "api.token.revoked")
    assert entry.data == {"name": "Box office", "prefix": seller.token.prefix}

    # And revoking again changes nothing
    client.post(revoke_url)
    assert len(audit_of(seller.organizer, "api.token.revoked")) == 1


def test_admins_manage_tokens_staff_and_scanners_may_not(client, seller: Seller):
    for role, status in [
        (Role.ADMIN, 200),
        (Role.STAFF, 403),
        (Role.SCANNER, 403),
    ]:
        member = MembershipFactory(organizer=seller.organizer, role=role)
        client.force_login(member.user)
        assert client.get(tokens_url(seller)).status_code == status, role
        created = client.post(tokens_url(seller) + "new/", {"name": f"by {role}"})
        assert created.status_code == status, role


def test_staff_cannot_revoke(client, seller: Seller):
    staff = MembershipFactory(organizer=seller.organizer, role=Role.STAFF)
    client.force_login(staff.user)

    response = client.post(f"{tokens_url(seller)}{seller.token.pk}/revoke/")

    assert response.status_code == 403
    assert tokens_of(seller.organizer)[0].revoked_at is None


def test_other_organizers_cannot_see_or_revoke_my_tokens(client, seller: Seller, other: Seller):
    # A stranger gets "not found" for the page
    client.force_login(UserFactory())
    assert client.get(tokens_url(seller)).status_code == 404

    # Another organizer's owner cannot reach my token through their own pages
    client.force_login(other.owner.user)
    response = client.post(f"{tokens_url(other)}{seller.token.pk}/revoke/")
    assert response.status_code == 404
    assert tokens_of(seller.organizer)[0].revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, seller: Seller):
    response = client.get(tokens_url(seller))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_organizer_navigation_links_to_api_tokens_for_owners_only(client, seller: Seller):
    client.force_login(seller.owner.user)
    assert tokens_url(seller) in client.get(f"/o/{seller.organizer.slug}/").text

    staff = MembershipFactory(organizer=seller.organizer, role=Role.STAFF)
    client.force_login(staff.user)
    assert tokens_url(seller) not in client.get(f"/o/{seller.organizer.slug}/").text
