"""Time: always timezone-aware UTC. One place to read the clock so tests can reason about it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def rfc3339(ts: datetime) -> str:
    """`2026-11-25T15:08:46.123456Z` — the API's one timestamp format."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
