"""How far the broker is behind the feed (for /metrics and `pesanan broker status`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from pesanan.broker.publisher import NAME
from pesanan.core.clock import now
from pesanan.events.consumers import lag, read_after


def publish_lag(conn: Connection, at: datetime | None = None) -> dict[str, Any]:
    """The broker cursor's position, the newest stamped position, how many positions lie
    between, and the age in seconds of the oldest event not yet on the broker: the first one
    after the cursor or, if older, one the relay has not stamped yet (it is not published
    either, and a stalled relay would otherwise look like a broker with nothing to do)."""
    t = at or now()
    feed = lag(conn, t)
    position = int(feed["cursors"].get(NAME, 0))
    first = read_after(conn, position, 1)
    waited = (t - datetime.fromisoformat(first[0]["occurred_at"])).total_seconds() \
        if first else 0.0
    return {"position": position, "newest_position": feed["newest_position"],
            "behind": feed["newest_position"] - position,
            "oldest_unpublished_seconds": max(waited, feed["oldest_unstamped_seconds"], 0.0)}
