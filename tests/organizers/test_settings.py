"""Organizer settings: owners and admins edit them, the slug never changes, saves are audited."""

from __future__ import annotations

import pytest

from blackcanyon.organizers.models import Organizer, Role
from tests.organizers.conftest import audit_entries, member

pytestmark = pytest.mark.django_db

CHANGES = {
    "name": "Canyon Nights Festival",
    "contact_email": "festival@canyon.example",
    "country": "CA",
    "default_currency": "CAD",
    "timezone": "America/Edmonton",
}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owner_or_admin_changes_settings_and_it_is_audited(client, organizer, owner, role):
    # Given an owner or admin
    actor = owner if role == Role.OWNER else member(organizer, Role.ADMIN)
    client.force_login(actor.user)

    # When they save new settings (and try to sneak in a new slug)
    response = client.post("/o/canyon-nights/settings/", {**CHANGES, "slug": "hijacked"})

    # Then the settings change, the slug does not, and the change is audited
    assert response.status_code == 302
    organizer.refresh_from_db()
    assert organizer.name == "Canyon Nights Festival"
    assert organizer.default_currency == "CAD"
    assert organizer.timezone == "America/Edmonton"
    assert organizer.slug == "canyon-nights"
    entries = audit_entries(organizer, "organizers.organizer.updated")
    assert len(entries) == 1
    assert entries[0].actor_id == actor.user_id
    assert entries[0].data["changed"]["country"] == {"from": "US", "to": "CA"}
    assert "Settings saved." in client.get(response["Location"]).text


def test_settings_page_explains_that_the_slug_is_permanent(client, organizer, owner):
    client.force_login(owner.user)
    response = client.get("/o/canyon-nights/settings/")
    assert response.status_code == 200
    assert "/o/canyon-nights/" in response.text
    assert "cannot be changed" in response.text
    assert 'value="Canyon Nights"' in response.text


def test_invalid_settings_keep_the_input_and_change_nothing(client, organizer, owner):
    # Given the owner
    client.force_login(owner.user)

    # When they post an invalid time zone and email
    response = client.post(
        "/o/canyon-nights/settings/",
        {**CHANGES, "timezone": "Nowhere/Land", "contact_email": "not-an-email"},
    )

    # Then they see the errors with their input, and nothing was saved or audited
    assert response.status_code == 200
    assert "valid time zone" in response.text
    assert "valid email address" in response.text
    assert 'value="Canyon Nights Festival"' in response.text
    assert Organizer.objects.get(pk=organizer.pk).name == "Canyon Nights"
    assert audit_entries(organizer, "organizers.organizer.updated") == []


def test_saving_without_changes_writes_no_audit_entry(client, organizer, owner):
    client.force_login(owner.user)
    unchanged = {
        "name": organizer.name,
        "contact_email": organizer.contact_email,
        "country": organizer.country,
        "default_currency": organizer.default_currency,
        "timezone": organizer.timezone,
    }
    assert client.post("/o/canyon-nights/settings/", unchanged).status_code == 302
    assert audit_entries(organizer, "organizers.organizer.updated") == []


def test_staff_cannot_post_settings(client, organizer, owner):
    client.force_login(member(organizer, Role.STAFF).user)
    response = client.post("/o/canyon-nights/settings/", CHANGES)
    assert response.status_code == 403
    assert Organizer.objects.get(pk=organizer.pk).name == "Canyon Nights"


def test_a_new_contact_email_is_audited_without_the_addresses(client, organizer, owner):
    # Given the contact address may be a person's own
    client.force_login(owner.user)
    old_email = organizer.contact_email

    # When the owner changes it
    client.post("/o/canyon-nights/settings/", CHANGES)

    # Then the audit entry names the field but holds neither address
    [entry] = audit_entries(organizer, "organizers.organizer.updated")
    assert "contact_email" in entry.data["changed"]
    assert old_email not in str(entry.data)
    assert "festival@canyon.example" not in str(entry.data)
