"""Team management: role changes, removals, the owner rules and their audit trail."""

from __future__ import annotations

import pytest

from blackcanyon.core.errors import NotFound
from blackcanyon.organizers import errors, services
from blackcanyon.organizers.models import Role
from tests.factories import OrganizerFactory, UserFactory
from tests.organizers.conftest import audit_entries, member, team_roles

pytestmark = pytest.mark.django_db


def role_url(membership):
    return f"/o/canyon-nights/team/members/{membership.pk}/role/"


def remove_url(membership):
    return f"/o/canyon-nights/team/members/{membership.pk}/remove/"


def test_team_page_lists_members_and_pending_invitations(client, organizer, owner):
    # Given a staff member and a pending invitation
    member(organizer, Role.STAFF, email="sam.staff@example.com", full_name="Sam Staff")
    services.invitation_create(
        actor=owner.user, organizer=organizer, email="ivy@example.com", role=Role.SCANNER
    )
    client.force_login(owner.user)

    # When the owner opens the team page
    response = client.get("/o/canyon-nights/team/")

    # Then they see names, emails, roles and the invitation
    assert response.status_code == 200
    for text in ["Olive Owner", "olive.owner@example.com", "Sam Staff", "sam.staff@example.com"]:
        assert text in response.text
    assert "ivy@example.com" in response.text
    assert "Pending" in response.text


def test_owner_changes_a_members_role_and_it_is_audited(client, organizer, owner):
    # Given a staff member
    staff = member(organizer, Role.STAFF, email="sam@example.com", full_name="Sam Staff")
    client.force_login(owner.user)

    # When the owner makes them admin
    response = client.post(role_url(staff), {"role": Role.ADMIN}, follow=True)

    # Then the role changes, the page says so, and the change is audited
    assert "Sam Staff is now admin." in response.text
    assert team_roles(organizer)["sam@example.com"] == Role.ADMIN
    [entry] = audit_entries(organizer, "organizers.membership.role_changed")
    assert entry.actor_id == owner.user_id
    assert entry.data == {"user_id": staff.user_id, "from": "staff", "to": "admin"}


def test_owner_can_make_someone_else_owner_and_then_step_down(client, organizer, owner):
    # Given an admin
    admin = member(organizer, Role.ADMIN, email="ada@example.com")
    client.force_login(owner.user)

    # When the owner makes the admin an owner, then demotes themselves
    client.post(role_url(admin), {"role": Role.OWNER})
    client.post(role_url(owner), {"role": Role.ADMIN})

    # Then ownership has moved
    assert team_roles(organizer) == {"ada@example.com": Role.OWNER, owner.user.email: Role.ADMIN}


def test_last_owner_cannot_be_demoted(client, organizer, owner):
    # Given the only owner
    client.force_login(owner.user)

    # When they try to make themselves admin
    response = client.post(role_url(owner), {"role": Role.ADMIN}, follow=True)

    # Then they are told why and stay owner
    assert "This is the only owner" in response.text
    assert team_roles(organizer)[owner.user.email] == Role.OWNER
    assert audit_entries(organizer, "organizers.membership.role_changed") == []


def test_last_owner_cannot_be_removed(client, organizer, owner):
    # Given the only owner
    client.force_login(owner.user)

    # When they try to remove themselves
    response = client.post(remove_url(owner), follow=True)

    # Then the owner stays and the error is clear
    assert "This is the only owner and cannot be removed" in response.text
    assert owner.user.email in team_roles(organizer)


def test_last_owner_rule_has_a_stable_code(organizer, owner):
    with pytest.raises(errors.LastOwner) as excinfo:
        services.member_remove(actor=owner.user, organizer=organizer, membership=owner)
    assert excinfo.value.code == "last_owner"


def test_admin_cannot_make_someone_owner(client, organizer, owner):
    # Given an admin and a staff member
    admin = member(organizer, Role.ADMIN)
    staff = member(organizer, Role.STAFF, email="sam@example.com")
    client.force_login(admin.user)

    # When the admin tries to make the staff member an owner
    response = client.post(role_url(staff), {"role": Role.OWNER}, follow=True)

    # Then it is refused and nothing changes
    assert "Only owners can grant or take away the owner role" in response.text
    assert team_roles(organizer)["sam@example.com"] == Role.STAFF
    # and the team page does not even offer the owner role to an admin
    page = client.get("/o/canyon-nights/team/").text
    assert 'value="owner"' not in page


def test_admin_cannot_demote_or_remove_an_owner(client, organizer, owner):
    # Given two owners and an admin
    member(organizer, Role.OWNER, email="second.owner@example.com")
    admin = member(organizer, Role.ADMIN)
    client.force_login(admin.user)

    # When the admin tries to demote and to remove an owner
    client.post(role_url(owner), {"role": Role.STAFF})
    response = client.post(remove_url(owner), follow=True)

    # Then both are refused
    assert "Only owners can" in response.text
    assert team_roles(organizer)[owner.user.email] == Role.OWNER


def test_admin_can_change_and_remove_non_owners(client, organizer, owner):
    admin = member(organizer, Role.ADMIN)
    staff = member(organizer, Role.STAFF, email="sam@example.com")
    client.force_login(admin.user)

    client.post(role_url(staff), {"role": Role.SCANNER})
    assert team_roles(organizer)["sam@example.com"] == Role.SCANNER
    client.post(remove_url(staff))
    assert "sam@example.com" not in team_roles(organizer)


def test_removing_a_member_asks_first_then_removes_and_audits(client, organizer, owner):
    # Given a staff member
    staff = member(organizer, Role.STAFF, email="sam@example.com", full_name="Sam Staff")
    client.force_login(owner.user)

    # When the owner clicks "Remove", they are asked to confirm
    confirm = client.get(remove_url(staff))
    assert confirm.status_code == 200
    assert "Remove Sam Staff?" in confirm.text
    assert "sam@example.com" in team_roles(organizer)

    # And when they confirm
    response = client.post(remove_url(staff), follow=True)

    # Then the member is gone, loses access, and the removal is audited
    assert "Sam Staff was removed from Canyon Nights." in response.text
    assert "sam@example.com" not in team_roles(organizer)
    [entry] = audit_entries(organizer, "organizers.membership.removed")
    assert entry.actor_id == owner.user_id
    assert entry.data == {"user_id": staff.user_id, "role": "staff"}
    client.force_login(staff.user)
    assert client.get("/o/canyon-nights/").status_code == 404


def test_one_of_two_owners_may_leave(client, organizer, owner):
    # Given a second owner
    member(organizer, Role.OWNER, email="second.owner@example.com")
    client.force_login(owner.user)

    # When the first owner leaves
    response = client.post(remove_url(owner))

    # Then they are off the team and back on their organizer list
    assert response.status_code == 302
    assert response["Location"] == "/o/"
    assert team_roles(organizer) == {"second.owner@example.com": Role.OWNER}


def test_a_member_of_another_organizer_cannot_be_touched(client, organizer, owner):
    # Given a member of another organizer
    foreign = member(OrganizerFactory(slug="elsewhere"), Role.STAFF)
    client.force_login(owner.user)

    # When the owner of Canyon Nights targets that membership id
    response = client.post(role_url(foreign), {"role": Role.ADMIN})

    # Then it is not found
    assert response.status_code == 404


def test_an_unknown_role_is_refused(client, organizer, owner):
    staff = member(organizer, Role.STAFF, email="sam@example.com")
    client.force_login(owner.user)
    response = client.post(role_url(staff), {"role": "emperor"}, follow=True)
    assert "Choose one of the roles." in response.text
    assert team_roles(organizer)["sam@example.com"] == Role.STAFF


def test_team_actions_need_post(client, organizer, owner):
    staff = member(organizer, Role.STAFF)
    client.force_login(owner.user)
    assert client.get(role_url(staff)).status_code == 405


def test_a_non_member_cannot_change_roles_through_the_service(organizer, owner):
    outsider = UserFactory()
    with pytest.raises(NotFound):
        services.member_role_change(
            actor=outsider, organizer=organizer, membership=owner, role=Role.STAFF
        )
