"""Personal data in the organizers app: export and erasure."""

from __future__ import annotations

import pytest

from blackcanyon.organizers import errors, privacy, services
from blackcanyon.organizers.models import Role
from tests.factories import UserFactory
from tests.organizers.conftest import (
    accept_path,
    audit_entries,
    invitations_of,
    sent_emails,
    team_roles,
)

# Real commits: the email task is queued in the transaction and the worker runs after it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_export_lists_memberships_and_invitations(organizer, owner):
    # Given Ivy joined through an invitation
    ivy = UserFactory(email="ivy@example.com")
    services.invitation_create(
        actor=owner.user, organizer=organizer, email="ivy@example.com", role=Role.STAFF
    )
    token = accept_path(sent_emails()[0]).rstrip("/").rsplit("/", 1)[1]
    services.invitation_accept(actor=ivy, token=token)

    # When her data is exported
    data = privacy.export_for_user(ivy)

    # Then it shows her membership and the invitation
    assert data["memberships"] == [
        {
            "organizer": "Canyon Nights",
            "organizer_slug": "canyon-nights",
            "role": "staff",
            "since": data["memberships"][0]["since"],
        }
    ]
    [invitation] = data["invitations"]
    assert invitation["email"] == "ivy@example.com"
    assert invitation["status"] == "accepted"


def test_erasure_removes_memberships_and_pseudonymises_invitations(organizer, owner):
    # Given Ivy is on the team through an invitation
    ivy = UserFactory(email="ivy@example.com")
    services.invitation_create(
        actor=owner.user, organizer=organizer, email="ivy@example.com", role=Role.STAFF
    )
    token = accept_path(sent_emails()[0]).rstrip("/").rsplit("/", 1)[1]
    services.invitation_accept(actor=ivy, token=token)

    # When her data is erased
    result = privacy.erase_for_user(actor=None, user=ivy)

    # Then she is off the team and her address is gone from the invitation
    assert result == {"memberships_removed": 1, "invitations_pseudonymised": 1}
    assert "ivy@example.com" not in team_roles(organizer)
    [invitation] = invitations_of(organizer)
    assert invitation.email == f"erased-{invitation.pk}@invalid"
    assert len(audit_entries(organizer, "organizers.membership.erased")) == 1


def test_erasure_is_refused_for_an_organizers_only_owner(organizer, owner):
    with pytest.raises(errors.LastOwner):
        privacy.erase_for_user(actor=None, user=owner.user)
    assert owner.user.email in team_roles(organizer)


def test_personal_fields_are_declared():
    assert "email" in privacy.PERSONAL_FIELDS["organizers.Invitation"]
    assert "user" in privacy.PERSONAL_FIELDS["organizers.Membership"]


def test_pseudonymising_an_invitation_is_audited(organizer, owner):
    # Given Ivy joined the team through an invitation
    ivy = UserFactory(email="ivy@example.com")
    services.invitation_create(
        actor=owner.user, organizer=organizer, email="ivy@example.com", role=Role.STAFF
    )
    token = accept_path(sent_emails()[0]).rstrip("/").rsplit("/", 1)[1]
    services.invitation_accept(actor=ivy, token=token)

    # When her data is erased
    privacy.erase_for_user(actor=None, user=ivy)

    # Then the rewritten invitation is in the organizer's audit log, without her address
    [invitation] = invitations_of(organizer)
    [entry] = audit_entries(organizer, "organizers.invitation.pseudonymised")
    assert entry.object_id == str(invitation.pk)
    assert "ivy@example.com" not in str(entry.data)
