"""Invitations: invite by email, accept with the invited account, and every way it can fail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail

from blackcanyon.core import clock
from blackcanyon.organizers import errors, services
from blackcanyon.organizers.models import Role
from tests.factories import UserFactory
from tests.organizers.conftest import (
    accept_path,
    audit_entries,
    invitations_of,
    member,
    sent_emails,
    team_roles,
)

# Real commits: the email task is queued in the transaction and the worker runs after it.
pytestmark = pytest.mark.django_db(transaction=True)


def invite(client, email="ivy@example.com", role=Role.STAFF, **kwargs):
    return client.post("/o/canyon-nights/team/invite/", {"email": email, "role": role}, **kwargs)


def test_invited_person_gets_an_email_and_joins_with_the_link(client, organizer, owner):
    # Given the owner invites ivy@example.com as staff
    client.force_login(owner.user)
    response = invite(client, "Ivy@Example.com", follow=True)
    assert "Invitation sent to ivy@example.com" in response.text

    # When the queued email is sent
    [message] = sent_emails()

    # Then Ivy receives a link to join Canyon Nights
    assert message.to == ["ivy@example.com"]
    assert "Canyon Nights" in message.subject
    assert "Olive Owner" in message.subject
    path = accept_path(message)
    assert path in message.alternatives[0].content

    # And the link shows the invitation, asking her to log in first
    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Join Canyon Nights" in page.text
    assert "as <strong>staff</strong>" in page.text
    assert f"/accounts/login/?next={path.replace('/', '%2F')}" in page.text

    # When Ivy logs in with the invited address and accepts
    ivy = UserFactory(email="ivy@example.com")
    client.force_login(ivy)
    assert "Accept and join Canyon Nights" in client.get(path).text
    response = client.post(path)

    # Then she is on the team as staff, lands on the dashboard, and it is audited
    assert response.status_code == 302
    assert response["Location"] == "/o/canyon-nights/"
    assert team_roles(organizer)["ivy@example.com"] == Role.STAFF
    assert "Welcome to Canyon Nights!" in client.get("/o/canyon-nights/").text
    [invitation] = invitations_of(organizer)
    assert invitation.accepted_by_id == ivy.pk
    assert invitation.accepted_at is not None
    [entry] = audit_entries(organizer, "organizers.invitation.accepted")
    assert entry.actor_id == ivy.pk
    assert audit_entries(organizer, "organizers.invitation.created")[0].actor_id == owner.user_id

    # And the link cannot be used a second time
    again = client.post(path)
    assert again.status_code == 410
    assert "already been accepted" in again.text


def test_only_the_tokens_hash_is_stored(client, organizer, owner):
    client.force_login(owner.user)
    invite(client)
    [message] = sent_emails()
    token = accept_path(message).rstrip("/").rsplit("/", 1)[1]
    [invitation] = invitations_of(organizer)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert len(token) >= 43


def test_another_account_cannot_accept(client, organizer, owner):
    # Given an invitation for ivy@example.com
    client.force_login(owner.user)
    invite(client)
    path = accept_path(sent_emails()[0])

    # When someone logged in with a different address opens and posts the link
    mallory = UserFactory(email="mallory@example.com")
    client.force_login(mallory)
    page = client.get(path)
    response = client.post(path)

    # Then they are told to switch accounts and are not added to the team
    assert "You are logged in as <strong>mallory@example.com</strong>" in page.text
    assert "Accept and join" not in page.text
    assert response.status_code == 403
    assert "sent to a different email address" in response.text
    assert "mallory@example.com" not in team_roles(organizer)
    with pytest.raises(errors.InvitationEmailMismatch):
        services.invitation_accept(actor=mallory, token=path.rstrip("/").rsplit("/", 1)[1])


def test_expired_invitation_is_refused(client, organizer, owner):
    # Given an invitation sent now
    client.force_login(owner.user)
    invite(client)
    path = accept_path(sent_emails()[0])
    ivy = UserFactory(email="ivy@example.com")
    client.force_login(ivy)

    # When Ivy opens it eight days later
    with clock.frozen(clock.now() + timedelta(days=8)):
        page = client.get(path)
        response = client.post(path)

    # Then it has expired and she is not on the team
    assert page.status_code == 410
    assert "This invitation has expired" in page.text
    assert "Accept and join" not in page.text
    assert response.status_code == 410
    assert "ivy@example.com" not in team_roles(organizer)


def test_invitation_still_works_just_before_it_expires(client, organizer, owner):
    client.force_login(owner.user)
    invite(client)
    path = accept_path(sent_emails()[0])
    client.force_login(UserFactory(email="ivy@example.com"))
    with clock.frozen(clock.now() + timedelta(days=6, hours=23)):
        assert client.post(path).status_code == 302
    assert team_roles(organizer)["ivy@example.com"] == Role.STAFF


def test_revoked_invitation_is_refused(client, organizer, owner):
    # Given an invitation that the owner then withdraws
    client.force_login(owner.user)
    invite(client)
    path = accept_path(sent_emails()[0])
    [invitation] = invitations_of(organizer)
    response = client.post(
        f"/o/canyon-nights/team/invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "The invitation for ivy@example.com was withdrawn." in response.text
    assert len(audit_entries(organizer, "organizers.invitation.revoked")) == 1

    # When Ivy tries to accept it
    client.force_login(UserFactory(email="ivy@example.com"))
    response = client.post(path)

    # Then she is told it was withdrawn
    assert response.status_code == 410
    assert "withdrawn" in response.text
    assert "ivy@example.com" not in team_roles(organizer)


def test_unknown_token_is_404(client):
    response = client.get("/o/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.text


def test_reinviting_replaces_the_pending_invitation(client, organizer, owner):
    # Given an invitation as staff
    client.force_login(owner.user)
    invite(client, role=Role.STAFF)
    # When the owner invites the same address again as admin
    invite(client, "IVY@example.com", role=Role.ADMIN)
    first, second = (accept_path(m) for m in sent_emails())

    # Then the first link no longer works and the second joins as admin
    client.force_login(UserFactory(email="ivy@example.com"))
    assert client.post(first).status_code == 410
    assert client.post(second).status_code == 302
    assert team_roles(organizer)["ivy@example.com"] == Role.ADMIN
    pending = [i for i in invitations_of(organizer) if i.revoked_at is None]
    assert len(pending) == 1


def test_a_member_cannot_be_invited(client, organizer, owner):
    # Given Sam is already on the team
    member(organizer, Role.STAFF, email="sam@example.com")
    client.force_login(owner.user)

    # When the owner invites Sam's address
    response = invite(client, "Sam@Example.com")

    # Then the form says so, keeps the input, and no email goes out
    assert response.status_code == 200
    assert "sam@example.com is already a member of this team." in response.text
    assert 'value="Sam@Example.com"' in response.text
    assert sent_emails() == []
    assert invitations_of(organizer) == []


def test_invalid_invite_email_is_shown_on_the_form(client, organizer, owner):
    client.force_login(owner.user)
    response = invite(client, "not an email")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert invitations_of(organizer) == []


def test_admin_cannot_invite_an_owner(client, organizer, owner):
    admin = member(organizer, Role.ADMIN)
    client.force_login(admin.user)
    response = invite(client, role=Role.OWNER)
    assert response.status_code == 200
    assert invitations_of(organizer) == []
    with pytest.raises(errors.OwnerRoleRequired):
        services.invitation_create(
            actor=admin.user, organizer=organizer, email="x@example.com", role=Role.OWNER
        )


def test_owner_can_invite_an_owner(client, organizer, owner):
    client.force_login(owner.user)
    invite(client, role=Role.OWNER)
    path = accept_path(sent_emails()[0])
    client.force_login(UserFactory(email="ivy@example.com"))
    client.post(path)
    assert team_roles(organizer)["ivy@example.com"] == Role.OWNER


def test_scanner_cannot_invite(client, organizer, owner):
    client.force_login(member(organizer, Role.SCANNER).user)
    assert invite(client).status_code == 403
    assert invitations_of(organizer) == []


def test_invitation_email_is_only_sent_if_the_invitation_is_saved(organizer, owner):
    # Given a failing invitation (already a member)
    member(organizer, Role.STAFF, email="sam@example.com")
    with pytest.raises(errors.AlreadyMember):
        services.invitation_create(
            actor=owner.user, organizer=organizer, email="sam@example.com", role=Role.STAFF
        )
    # Then no email was queued
    assert sent_emails() == []
    assert mail.outbox == []


def test_anonymous_post_to_accept_goes_to_login(client, organizer, owner):
    client.force_login(owner.user)
    invite(client)
    path = accept_path(sent_emails()[0])
    client.logout()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert team_roles(organizer) == {owner.user.email: Role.OWNER}
