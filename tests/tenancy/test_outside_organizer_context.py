"""What the app role sees with no organizer context (public pages, sign-in, invitation links),
and that ``app.system = 'on'`` widens nothing for it."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, transaction

from blackcanyon.core import tenancy
from blackcanyon.core.rls import SYSTEM_ROLE
from tests.tenancy.conftest import World
from tests.tenancy.helpers import copy_row_sql, ids, rowcount, rows, set_setting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _public_event_ids(world: World) -> set[int]:
    return {t.published_event.pk for t in (world.a, world.b)} | {
        t.cancelled_event.pk for t in (world.a, world.b)
    }


def test_without_context_only_published_and_cancelled_events_are_visible(world: World) -> None:
    # Given both organizers have published, cancelled and draft events
    # When a public page reads events with no organizer context
    visible = ids("SELECT id FROM events_event")
    # Then it sees every organizer's published and cancelled events and no draft
    assert visible == _public_event_ids(world)
    assert world.a.draft_event.pk not in visible
    assert world.b.draft_event.pk not in visible


def test_without_context_only_ticket_types_of_public_events_are_visible(world: World) -> None:
    # When a public page reads ticket types with no organizer context
    visible = ids("SELECT id FROM events_tickettype")
    # Then the ticket types of published events are there and those of drafts are not
    assert visible == {world.a.published_ticket.pk, world.b.published_ticket.pk}


def test_without_context_public_rows_are_read_only(world: World) -> None:
    # Given a published event every visitor can read
    event = world.a.published_event
    # When the context-less app role tries to change or delete it
    updated = rowcount("UPDATE events_event SET title = 'x' WHERE id = %s", [event.pk])
    deleted = rowcount("DELETE FROM events_tickettype WHERE event_id = %s", [event.pk])
    # Then nothing changes
    assert (updated, deleted) == (0, 0)
    # And it cannot create events for anyone
    with (
        pytest.raises(ProgrammingError, match="violates row-level security policy"),
        transaction.atomic(),
    ):
        rows(*copy_row_sql("events_event", event.pk, {"slug": "forged"}))


def test_without_context_memberships_are_visible_only_to_their_user(world: World) -> None:
    # When nobody is signed in, Then no membership is visible
    assert ids("SELECT id FROM organizers_membership") == set()
    # When A's owner is signed in (no organizer chosen yet)
    with tenancy.scoped(user_id=world.a.owner.pk):
        mine = ids("SELECT id FROM organizers_membership")
    # Then they see their own membership only, not B's team
    assert mine == {world.a.membership.pk}


def test_without_context_invitations_are_visible_only_by_their_token_hash(world: World) -> None:
    # When nobody presents a token, Then no invitation is visible
    assert ids("SELECT id FROM organizers_invitation") == set()
    # When a visitor opens B's invitation link (its token hash in app.invitation)
    with tenancy.scoped(invitation_token_hash=world.b.invitation_token_hash):
        found = ids("SELECT id FROM organizers_invitation")
    # Then exactly that invitation is visible
    assert found == {world.b.invitation.pk}
    # And a wrong token shows nothing
    with tenancy.scoped(invitation_token_hash="0" * 64):
        assert ids("SELECT id FROM organizers_invitation") == set()


def test_without_context_audit_entries_are_limited_to_own_personal_entries(world: World) -> None:
    # When nobody is signed in, Then no audit entry is visible
    assert ids("SELECT id FROM core_auditlog") == set()
    # When A's owner is signed in without an organizer context
    with tenancy.scoped(user_id=world.a.owner.pk):
        visible = ids("SELECT id FROM core_auditlog")
    # Then only their own organizer-less entries are visible, not A's organizer log
    assert visible == {world.a.personal_audit_entry.pk}


def test_system_flag_does_not_widen_what_the_app_role_sees(world: World) -> None:
    # Given the app role turns on app.system by hand (as a compromised web process could)
    set_setting("app.system", "on")
    try:
        # When it reads and writes without an organizer context
        events = ids("SELECT id FROM events_event")
        memberships = ids("SELECT id FROM organizers_membership")
        invitations = ids("SELECT id FROM organizers_invitation")
        audit_entries = ids("SELECT id FROM core_auditlog")
        changed = rowcount(
            "UPDATE events_event SET title = 'x' WHERE id = %s", [world.b.draft_event.pk]
        )
        # And in A's context
        set_setting("app.organizer_id", str(world.a.pk))
        in_a = ids("SELECT id FROM events_event")
    finally:
        set_setting("app.system", "")
        set_setting("app.organizer_id", "")
    # Then it sees exactly what it would see without the flag
    assert events == _public_event_ids(world)
    assert (memberships, invitations, audit_entries, changed) == (set(), set(), set(), 0)
    assert in_a == world.a.ids("events_event")


def test_system_context_helper_does_not_widen_the_app_role_either(world: World) -> None:
    # When code running as the web role enters tenancy.system_context()
    with tenancy.system_context():
        events = ids("SELECT id FROM events_event")
    # Then RLS still confines it to public rows
    assert events == _public_event_ids(world)


def test_control_system_role_does_see_every_organizer_with_the_flag(world: World) -> None:
    # Control for the two tests above: the system policy is real for members of bct_system
    # (the worker's and migration owner's roles), so "no wider" is not "policy missing".
    # The suite's session user is a superuser, so it may switch to the system role here.
    with transaction.atomic():
        rows(f"SET LOCAL ROLE {SYSTEM_ROLE}")
        with tenancy.system_context():
            events = ids("SELECT id FROM events_event")
        without_flag = ids("SELECT id FROM events_event")
        transaction.set_rollback(True)
    assert events == world.a.ids("events_event") | world.b.ids("events_event")
    assert without_flag == set()
    # And the session is back to the app role afterwards
    assert rows("SELECT current_user")[0][0] == "bct_app"
