"""Template helpers of the check-in pages, and the live counts panel of the organizer's event page
(``{% checkin_live_panel event %}``: the events app's template uses it without the events app
importing check-in)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import dateformat

from blackcanyon.checkin import selectors
from blackcanyon.checkin.models import CheckInList, ScanStatus
from blackcanyon.core.timezones import zone
from blackcanyon.organizers.access import role_has

register = template.Library()

_BADGES = {ScanStatus.VALID: "badge-ok", ScanStatus.ALREADY_CHECKED_IN: "badge-warn"}


@register.filter
def scan_badge(status: str) -> str:
    """The badge colour of a scan status: green, amber or red (as on the scanner)."""
    return _BADGES.get(status, "badge-bad")  # type: ignore[call-overload]


@register.filter
def scan_label(status: str) -> str:
    try:
        return str(ScanStatus(status).label)
    except ValueError:
        return status


@register.filter
def clock_time(value: datetime | None, tz_name: str) -> str:
    """``Jul 4, 7:42:10 PM`` in the event's zone (scan times need the seconds)."""
    if value is None:
        return ""
    local = value.astimezone(zone(tz_name) or value.tzinfo)
    return str(dateformat.format(local, "M j, g:i:s A"))


@register.inclusion_tag("checkin/organizer/_live_panel.html", takes_context=True)
def checkin_live_panel(context: template.Context, event: Any) -> dict[str, Any]:
    """Checked in / total per list and inside now, refreshed by ``js/checkin-live.js`` from the
    check-in stats endpoint. Shown to members who may see check-in (``checkin.view``)."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not role_has(membership.role, "checkin.view"):
        return {"show": False}
    lists = list(CheckInList.objects.filter(organizer_id=event.organizer_id, event=event))
    return {
        "show": True,
        "event": event,
        "organizer": event.organizer,
        "stats": selectors.event_stats(event=event, lists=lists),
        "stats_url": reverse("api-v1:checkin_stats", args=[event.pk]),
    }
