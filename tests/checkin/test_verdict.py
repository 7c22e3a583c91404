"""The pure rules behind a scan's answer (no database): state, re-entry, offline, wording."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blackcanyon.checkin.verdict import (
    Decision,
    Previous,
    StateScan,
    TicketState,
    apply_offline,
    decide_state,
    status_message,
)

AT = datetime(2026, 7, 4, 1, 42, tzinfo=UTC)  # 19:42 on Jul 3 in Denver
INSIDE = TicketState(current=StateScan(1, "entry", AT, "Gate 2"), last_entry=None)
LEFT = TicketState(
    current=StateScan(2, "exit", AT, "Gate 2"), last_entry=StateScan(1, "entry", AT, "Gate 2")
)


@pytest.mark.parametrize(
    ("state", "direction", "reentry", "status"),
    [
        (TicketState(), "entry", False, "valid"),
        (TicketState(), "exit", False, "not_inside"),
        (INSIDE, "entry", True, "already_checked_in"),
        (INSIDE, "exit", False, "valid"),
        (LEFT, "entry", False, "already_checked_in"),
        (LEFT, "entry", True, "valid"),
        (LEFT, "exit", True, "not_inside"),
    ],
)
def test_state_rules(state, direction, reentry, status):
    assert decide_state(state=state, direction=direction, allow_reentry=reentry).status == status


def test_offline_admission_the_server_refuses_is_a_conflict_and_changes_nothing():
    refused = Decision("already_checked_in")
    result = apply_offline(refused, offline=True, client_status="valid")
    assert result.conflict
    assert not result.admits


def test_offline_refusal_is_kept_even_when_the_server_would_admit():
    result = apply_offline(Decision("valid", admits=True), offline=True, client_status="expired")
    assert (result.status, result.admits, result.conflict) == ("expired", False, False)
    odd = apply_offline(Decision("valid", admits=True), offline=True, client_status="weird")
    assert odd.status == "invalid"


def test_online_scans_are_not_touched_by_the_offline_rules():
    decision = Decision("valid", admits=True)
    assert apply_offline(decision, offline=False, client_status="invalid") is decision


def test_already_checked_in_says_when_in_the_events_zone_and_where():
    same_day = status_message(
        status="already_checked_in",
        direction="entry",
        previous=Previous(AT, "Gate 2"),
        timezone="America/Denver",
        now=AT,
    )
    next_day = status_message(
        status="already_checked_in",
        direction="entry",
        previous=Previous(AT, ""),
        timezone="America/Denver",
        now=datetime(2026, 7, 5, 3, 0, tzinfo=UTC),
    )
    assert same_day == "Already checked in at 19:42, Gate 2."
    assert next_day == "Already checked in at 3 Jul 19:42."
