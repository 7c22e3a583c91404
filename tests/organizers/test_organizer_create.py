"""Creating an organizer: the creator becomes its owner; slugs are validated and unique."""

from __future__ import annotations

import pytest

from blackcanyon.core import tenancy
from blackcanyon.organizers import errors, services
from blackcanyon.organizers.models import Organizer, Role
from tests.factories import OrganizerFactory, UserFactory
from tests.organizers.conftest import audit_actions, audit_entries, team_roles

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Red Rock Live",
    "slug": "",
    "contact_email": "hello@redrock.example",
    "country": "US",
    "default_currency": "USD",
    "timezone": "America/Denver",
}


def test_creating_an_organizer_makes_the_creator_its_owner_and_is_audited(client):
    # Given a verified user
    user = UserFactory(email="dana@example.com")
    client.force_login(user)

    # When they fill in the form, leaving the web address empty
    response = client.post("/o/new/", VALID)

    # Then they land on the new organizer's dashboard as its owner
    organizer = Organizer.objects.get(name="Red Rock Live")
    assert organizer.slug == "red-rock-live"
    assert response.status_code == 302
    assert response["Location"] == "/o/red-rock-live/"
    page = client.get(response["Location"])
    assert "Red Rock Live" in page.text
    assert "is ready. You are its owner." in page.text
    assert team_roles(organizer) == {"dana@example.com": Role.OWNER}
    entries = audit_entries(organizer, "organizers.organizer.created")
    assert len(entries) == 1
    assert entries[0].actor_id == user.pk
    assert entries[0].data["slug"] == "red-rock-live"


def test_create_form_shows_a_taken_slug_next_to_the_field_and_keeps_the_input(client):
    # Given an organizer already uses the address "canyon"
    OrganizerFactory(slug="canyon")
    client.force_login(UserFactory())

    # When another user asks for the same address
    response = client.post("/o/new/", {**VALID, "slug": "canyon"})

    # Then the form comes back with the error and what they typed
    assert response.status_code == 200
    assert "already taken" in response.text
    assert 'value="Red Rock Live"' in response.text
    assert 'value="hello@redrock.example"' in response.text
    assert Organizer.objects.filter(name="Red Rock Live").count() == 0


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "3 to 60 lowercase letters"),
        ("-canyon", "3 to 60 lowercase letters"),
        ("canyon nights", "3 to 60 lowercase letters"),
        ("canyon--nights", "3 to 60 lowercase letters"),
        ("new", "reserved"),
        ("invitations", "reserved"),
    ],
)
def test_create_form_refuses_invalid_or_reserved_slugs(client, slug, message):
    # Given a verified user
    client.force_login(UserFactory())

    # When they type an unusable web address
    response = client.post("/o/new/", {**VALID, "slug": slug})

    # Then the form explains why and nothing is created
    assert response.status_code == 200
    assert message in response.text
    assert not Organizer.objects.filter(name="Red Rock Live").exists()


def test_uppercase_slug_is_lowercased():
    # Given a verified user
    user = UserFactory()

    # When they ask for "Canyon-Nights"
    organizer = services.organizer_create(actor=user, **{**VALID, "slug": "Canyon-Nights"})

    # Then the address is stored in lowercase
    assert organizer.slug == "canyon-nights"


def test_derived_slug_gets_a_number_when_the_name_is_taken():
    # Given "Red Rock Live" already exists
    OrganizerFactory(slug="red-rock-live")

    # When someone else creates an organizer with the same name and no slug
    organizer = services.organizer_create(actor=UserFactory(), **VALID)

    # Then it gets the next free address
    assert organizer.slug == "red-rock-live-2"


def test_a_name_without_latin_letters_needs_a_typed_slug(client):
    # Given a verified user
    client.force_login(UserFactory())

    # When the name gives no usable address and none is typed
    response = client.post("/o/new/", {**VALID, "name": "東京"})

    # Then they are asked to type one
    assert response.status_code == 200
    assert "Please type one" in response.text


def test_service_refuses_a_taken_slug_with_its_code():
    # Given the address is taken
    OrganizerFactory(slug="taken-slug")

    # When the service is asked for it
    with pytest.raises(errors.SlugTaken) as excinfo:
        services.organizer_create(actor=UserFactory(), **{**VALID, "slug": "taken-slug"})

    # Then the error carries the stable code and names the field
    assert excinfo.value.code == "slug_taken"
    assert "slug" in excinfo.value.fields


def test_any_valid_time_zone_is_accepted_but_nonsense_is_refused(client):
    # Given a verified user
    user = UserFactory()
    client.force_login(user)

    # When they post a legacy alias that is not in the select, it is still accepted
    response = client.post("/o/new/", {**VALID, "timezone": "US/Mountain"})
    assert response.status_code == 302
    assert Organizer.objects.get(name="Red Rock Live").timezone == "US/Mountain"

    # And a made-up zone is refused with a clear message
    response = client.post("/o/new/", {**VALID, "name": "Other", "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "valid time zone" in response.text


def test_unknown_country_and_currency_are_refused(client):
    # Given a verified user
    client.force_login(UserFactory())

    # When they post a country and a currency that are not in the lists
    response = client.post("/o/new/", {**VALID, "country": "XX", "default_currency": "BTC"})

    # Then both fields show an error
    assert response.status_code == 200
    assert response.text.count("Select a valid choice") == 2


def test_unverified_user_cannot_create_an_organizer(client):
    # Given a user who has not verified their email address
    user = UserFactory(email_verified_at=None)
    client.force_login(user)

    # When they try to create an organizer
    response = client.post("/o/new/", VALID)

    # Then they are sent to verify first and nothing is created
    assert response.status_code == 302
    assert "next=%2Fo%2Fnew%2F" in response["Location"]
    assert not Organizer.objects.exists()
    with pytest.raises(errors.VerifiedEmailRequired):
        services.organizer_create(actor=user, **VALID)


def test_anonymous_visitor_is_sent_to_log_in(client):
    # When an anonymous visitor opens the create page
    response = client.get("/o/new/")

    # Then they are asked to log in first
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_create_form_prefills_the_contact_email(client):
    # Given a verified user
    client.force_login(UserFactory(email="pat@example.com"))

    # When they open the form
    response = client.get("/o/new/")

    # Then their own address is suggested as contact email
    assert response.status_code == 200
    assert 'value="pat@example.com"' in response.text
    assert '<label for="id_timezone">' in response.text


def test_membership_and_audit_exist_only_in_the_new_organizers_context():
    # Given an organizer created by the service
    organizer = services.organizer_create(actor=UserFactory(), **VALID)

    # Then its audit trail holds exactly the creation entry
    assert audit_actions(organizer) == ["organizers.organizer.created"]
    with tenancy.scoped(organizer_id=organizer.pk):
        assert organizer.memberships.count() == 1


def test_a_bad_slug_is_reported_together_with_other_missing_fields(client):
    # Given a verified user
    client.force_login(UserFactory())

    # When they post a bad slug and forget the contact email
    response = client.post("/o/new/", {**VALID, "slug": "a", "contact_email": ""})

    # Then both problems are shown at once
    assert response.status_code == 200
    assert "3 to 60 lowercase letters" in response.text
    assert "This field is required." in response.text
