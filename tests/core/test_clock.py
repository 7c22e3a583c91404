"""The one source of "now": timezone-aware UTC, frozen in tests without patching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from blackcanyon.core import clock


def test_now_is_timezone_aware_utc() -> None:
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs(datetime.now(tz=UTC) - now) < timedelta(seconds=5)


def test_frozen_holds_time_still_and_releases_it() -> None:
    # Given a fixed instant
    at = datetime(2030, 7, 4, 18, 30, tzinfo=UTC)
    # When the clock is frozen there
    with clock.frozen(at):
        first, second = clock.now(), clock.now()
        later = clock.in_future(hours=2)
    # Then "now" is that instant inside the block and real time after it
    assert first == second == at
    assert later == at + timedelta(hours=2)
    assert clock.now() != at
    assert clock.now().year >= 2025


def test_frozen_blocks_nest_and_unwind() -> None:
    outer = datetime(2030, 1, 1, tzinfo=UTC)
    inner = datetime(2030, 1, 2, 9, tzinfo=ZoneInfo("America/Denver"))
    with clock.frozen(outer):
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer


def test_frozen_unwinds_when_the_block_raises() -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError), clock.frozen(at):
        raise RuntimeError
    assert clock.now() != at


def test_frozen_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"), clock.frozen(datetime(2030, 1, 1)):
        pass
