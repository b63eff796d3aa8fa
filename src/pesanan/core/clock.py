"""Time: always timezone-aware UTC. One place to read the clock so tests can reason about it.

`set_to(ts)` makes `now()` return `ts` for the code that runs inside it (this thread or task
only: a context variable), so a caller can record commands at another time than the wall
clock's: the demo dates its simulated days this way (demo/simulation.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_set: ContextVar[datetime | None] = ContextVar("pesanan_clock", default=None)


def now() -> datetime:
    ts = _set.get()
    return datetime.now(UTC) if ts is None else ts


@contextmanager
def set_to(ts: datetime) -> Iterator[None]:
    """Inside the block `now()` is `ts` (tz-aware; kept in UTC)."""
    if ts.tzinfo is None:
        raise ValueError("the clock is set to a timezone-aware time")
    token = _set.set(ts.astimezone(UTC))
    try:
        yield
    finally:
        _set.reset(token)


def rfc3339(ts: datetime) -> str:
    """`2026-11-25T15:08:46.123456Z` — the API's one timestamp format."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
