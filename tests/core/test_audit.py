"""Audit entries: written in the change's transaction, with who/what/where/request; never edited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from blackcanyon.core import audit, request_context, tenancy
from blackcanyon.core.models import AuditLog
from tests.factories import EventFactory, UserFactory


@pytest.mark.django_db
def test_record_writes_actor_action_organizer_object_data_and_request_id() -> None:
    # Given an organizer's event, its owner and a request being handled
    event = EventFactory()
    owner = UserFactory()
    request_context.new_request_id("req-audit-1")
    try:
        # When a service records the change inside its transaction
        with tenancy.scoped(organizer_id=event.organizer_id, user_id=owner.pk):
            with transaction.atomic():
                entry = audit.record(
                    actor=owner,
                    action="events.event.published",
                    organizer=event.organizer,
                    obj=event,
                    data={"title": event.title},
                )
            stored = AuditLog.objects.get(pk=entry.pk)
    finally:
        request_context.clear()
    # Then the stored entry says who did what, where, to which object, in which request
    assert stored.actor_id == owner.pk
    assert stored.action == "events.event.published"
    assert stored.organizer_id == event.organizer_id
    assert (stored.object_type, stored.object_id) == ("events.event", str(event.pk))
    assert stored.data == {"title": event.title}
    assert stored.request_id == "req-audit-1"
    assert stored.created_at.tzinfo is not None


@pytest.mark.django_db
def test_anonymous_actor_is_recorded_as_nobody() -> None:
    # Given no signed-in user (e.g. a buyer's guest checkout)
    with transaction.atomic():
        entry = audit.record(actor=AnonymousUser(), action="orders.order.placed")
    # Then the entry has no actor and no organizer
    assert (entry.actor_id, entry.organizer_id) == (None, None)
    assert entry.pk is not None


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["published", "events.published", "Events.Event.Published"])
def test_action_must_be_app_entity_verb(action: str) -> None:
    with pytest.raises(ValueError, match=r"app\.entity\.verb"), transaction.atomic():
        audit.record(actor=None, action=action)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction() -> None:
    # Given code that is not inside transaction.atomic() (autocommit)
    user = UserFactory()
    # When it records an audit entry, Then it is refused, and nothing is written
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit.record(actor=user, action="accounts.user.updated")
    with tenancy.scoped(user_id=user.pk):
        assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_saved_entries_cannot_be_changed_or_deleted_through_the_model() -> None:
    # Given a recorded entry
    user = UserFactory()
    with tenancy.scoped(user_id=user.pk), transaction.atomic():
        entry = audit.record(actor=user, action="accounts.user.logged_in", data={"ip": "x"})
    # When code edits and saves it, or deletes it, Then the model refuses
    entry.data = {}
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    # And the stored entry is unchanged
    with tenancy.scoped(user_id=user.pk):
        assert AuditLog.objects.get(pk=entry.pk).data == {"ip": "x"}
