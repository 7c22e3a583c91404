"""The "your organizers" list, an organizer's dashboard and who may see what."""

from __future__ import annotations

import pytest

from blackcanyon.events.models import EventStatus
from blackcanyon.organizers.models import Role
from tests.factories import EventFactory, MembershipFactory, OrganizerFactory, UserFactory
from tests.organizers.conftest import member

pytestmark = pytest.mark.django_db


def test_home_lists_the_users_organizers_with_their_role(client, organizer, owner):
    # Given the owner of Canyon Nights is also scanner at another organizer
    other = OrganizerFactory(name="Desert Sounds", slug="desert-sounds")
    member(other, Role.ADMIN)
    MembershipFactory(organizer=other, user=owner.user, role=Role.SCANNER)
    # and an organizer they do not belong to
    OrganizerFactory(name="Secret Club")
    client.force_login(owner.user)

    # When they open their dashboard
    response = client.get("/o/")

    # Then they see both of their organizers with their roles, and nothing else
    assert response.status_code == 200
    assert "Canyon Nights" in response.text
    assert "Desert Sounds" in response.text
    assert "Owner" in response.text
    assert "Scanner" in response.text
    assert "Secret Club" not in response.text


def test_home_shows_a_friendly_empty_state(client):
    # Given a user with no organizer
    client.force_login(UserFactory())

    # When they open their dashboard
    response = client.get("/o/")

    # Then they are invited to create one
    assert response.status_code == 200
    assert "You are not part of an organizer yet" in response.text
    assert 'href="/o/new/"' in response.text


def test_home_requires_login(client):
    response = client.get("/o/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_shows_role_links_and_event_counts_to_a_member(client, organizer, owner):
    # Given two published events, one draft and one cancelled
    EventFactory.create_batch(2, organizer=organizer, status=EventStatus.PUBLISHED)
    EventFactory(organizer=organizer, status=EventStatus.DRAFT)
    EventFactory(organizer=organizer, status=EventStatus.CANCELLED)
    # and another organizer's event that must not be counted
    EventFactory(status=EventStatus.PUBLISHED)
    client.force_login(owner.user)

    # When the owner opens the dashboard
    response = client.get("/o/canyon-nights/")

    # Then they see the name, their role, the counts and the owner's links
    assert response.status_code == 200
    text = response.text
    assert "<h1>Canyon Nights</h1>" in text
    assert "Owner" in text
    assert "<dt>Published</dt><dd>2</dd>" in text
    assert "<dt>Drafts</dt><dd>1</dd>" in text
    assert "<dt>Cancelled</dt><dd>1</dd>" in text
    assert 'href="/o/canyon-nights/team/"' in text
    assert 'href="/o/canyon-nights/settings/"' in text


def test_dashboard_is_404_for_a_non_member(client, organizer, owner):
    # Given a logged-in user who is not on the team
    client.force_login(UserFactory())

    # When they guess the organizer's dashboard address
    response = client.get("/o/canyon-nights/")

    # Then it looks like it does not exist (no existence leak)
    assert response.status_code == 404
    assert "Canyon Nights" not in response.text


def test_dashboard_of_an_unknown_slug_is_404(client, owner):
    client.force_login(owner.user)
    assert client.get("/o/no-such-organizer/").status_code == 404


def test_dashboard_requires_login(client, organizer):
    response = client.get("/o/canyon-nights/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_scanner_sees_the_dashboard_without_team_or_settings_links(client, organizer, owner):
    # Given a scanner on the team
    scanner = member(organizer, Role.SCANNER)
    client.force_login(scanner.user)

    # When they open the dashboard
    response = client.get("/o/canyon-nights/")

    # Then they see it, but no team or settings links and no event counts
    assert response.status_code == 200
    assert "Scan tickets at the door" in response.text
    assert "/o/canyon-nights/team/" not in response.text
    assert "/o/canyon-nights/settings/" not in response.text
    assert "<dt>Published</dt>" not in response.text


@pytest.mark.parametrize("path", ["/o/canyon-nights/settings/", "/o/canyon-nights/team/"])
def test_scanner_is_refused_settings_and_team(client, organizer, owner, path):
    # Given a scanner on the team
    client.force_login(member(organizer, Role.SCANNER).user)

    # When they open the settings or team page
    response = client.get(path)

    # Then they are told their role does not allow it
    assert response.status_code == 403
    assert "does not allow" in response.text


@pytest.mark.parametrize("path", ["/o/canyon-nights/settings/", "/o/canyon-nights/team/"])
def test_staff_is_refused_settings_and_team(client, organizer, owner, path):
    client.force_login(member(organizer, Role.STAFF).user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/o/canyon-nights/settings/", "/o/canyon-nights/team/"])
def test_non_member_gets_404_on_settings_and_team(client, organizer, owner, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404
