"""The one source of "now". Tests move time with ``clock.frozen(...)`` instead of patching."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_frozen: list[datetime] = []


def now() -> datetime:
    """Timezone-aware UTC now (or the frozen instant inside ``frozen``)."""
    if _frozen:
        return _frozen[-1]
    return datetime.now(tz=UTC)


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[None]:
    if at.tzinfo is None:
        raise ValueError("clock.frozen needs an aware datetime")
    _frozen.append(at)
    try:
        yield
    finally:
        _frozen.pop()


def in_future(**delta: float) -> datetime:
    return now() + timedelta(**delta)
