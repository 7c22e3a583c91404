"""What a check-in API caller may reach: an event, a list or a scan, found for the caller and
with the caller's organizer context active afterwards.

* An API token reaches its organizer's events; a device only its own event (and list, when it
  is bound to one) — anything else answers 404, as if it did not exist.
* A signed-in member reaches the events of the organizers they belong to: 404 where they are no
  member, 403 ``permission_denied`` where their role lacks the permission (``checkin.scan`` to
  scan, ``checkin.view`` for the live figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model

from blackcanyon.checkin.auth import Principal
from blackcanyon.checkin.errors import CheckInListNotFound, ScanNotFound, ScanPermissionDenied
from blackcanyon.checkin.models import CheckInList, Scan
from blackcanyon.core import tenancy
from blackcanyon.core.errors import NotFound
from blackcanyon.events.errors import EventNotFound
from blackcanyon.events.models import Event
from blackcanyon.organizers.access import role_has
from blackcanyon.organizers.models import Membership

SCAN = "checkin.scan"
VIEW = "checkin.view"


def _memberships(user_id: int) -> list[Membership]:
    with tenancy.scoped(user_id=user_id):
        return list(Membership.objects.filter(user_id=user_id).order_by("organizer_id"))


def _for_member[M: Model](
    principal: Principal,
    find: Callable[[int], M | None],
    permission: str,
    not_found: type[NotFound],
) -> M:
    """Look for the row in each of the member's organizers; activate the one it belongs to."""
    user: Any = principal.user
    for membership in _memberships(user.pk):
        with tenancy.scoped(organizer_id=membership.organizer_id, user_id=user.pk):
            row = find(membership.organizer_id)
        if row is not None:
            if not role_has(membership.role, permission):
                raise ScanPermissionDenied()
            tenancy.activate(organizer_id=membership.organizer_id, user_id=user.pk)
            return row
    raise not_found()


def _event_query(organizer_id: int, event_id: int) -> Event | None:
    return (
        Event.objects.filter(organizer_id=organizer_id, pk=event_id)
        .select_related("organizer")
        .defer("description", "description_html")
        .first()
    )


def event_for(principal: Principal, event_id: int, *, permission: str = SCAN) -> Event:
    """The event, if the caller may check in (or, with ``VIEW``, watch) there."""
    device = principal.device
    if device is not None and device.event_id != event_id:
        raise EventNotFound()
    organizer_id = principal.organizer_id
    if organizer_id is None:
        return _for_member(
            principal, lambda org: _event_query(org, event_id), permission, EventNotFound
        )
    event = _event_query(organizer_id, event_id)
    if event is None:
        raise EventNotFound()
    return event


def _list_query(organizer_id: int, list_id: int) -> CheckInList | None:
    return (
        CheckInList.objects.filter(organizer_id=organizer_id, pk=list_id)
        .select_related("event__organizer")
        .defer("event__description", "event__description_html")
        .first()
    )


def list_for(principal: Principal, list_id: int, *, permission: str = SCAN) -> CheckInList:
    """The check-in list, if the caller may use it."""
    organizer_id = principal.organizer_id
    if organizer_id is None:
        return _for_member(
            principal, lambda org: _list_query(org, list_id), permission, CheckInListNotFound
        )
    row = _list_query(organizer_id, list_id)
    device = principal.device
    if row is None or (
        device is not None
        and (row.event_id != device.event_id or device.checkin_list_id not in (None, row.pk))
    ):
        raise CheckInListNotFound()
    return row


def scan_organizer_for(principal: Principal, client_scan_id: str) -> int:
    """The organizer of the scan with this client id (the caller's, checked for members)."""
    organizer_id = principal.organizer_id
    if organizer_id is not None:
        return organizer_id
    scan = _for_member(
        principal,
        lambda org: Scan.objects.filter(organizer_id=org, client_scan_id=client_scan_id).first(),
        SCAN,
        ScanNotFound,
    )
    return scan.organizer_id


def organizers_of_lists(principal: Principal, list_ids: list[int]) -> dict[int, int]:
    """``{list id: organizer id}`` for a signed-in member's batch (lists may belong to any of
    their organizers). Lists they cannot reach are left out (the service answers 404 for them);
    a list of an organizer where their role cannot scan is 403."""
    user: Any = principal.user
    wanted, found = set(list_ids), {}
    for membership in _memberships(user.pk):
        if not wanted:
            break
        with tenancy.scoped(organizer_id=membership.organizer_id, user_id=user.pk):
            ids = set(
                CheckInList.objects.filter(
                    organizer_id=membership.organizer_id, pk__in=wanted
                ).values_list("pk", flat=True)
            )
        if ids and not role_has(membership.role, SCAN):
            raise ScanPermissionDenied()
        found.update(dict.fromkeys(ids, membership.organizer_id))
        wanted -= ids
    return found
