from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, false, func, or_, select

from pesanan.core.clock import rfc3339
from pesanan.events.models import outbox


def _view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "type": r["type"], "occurred_at": rfc3339(r["occurred_at"]),
            "sequence": r["position"], "data": r["data"]}


def list_events(conn: Connection, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Every event, stamped or not, in insert order (what a transaction wrote, for checks);
    `sequence` is None until the relay stamps it. Consumers read `feed` / consumers.read_after."""
    rows = conn.execute(
        select(outbox).where(outbox.c.sequence > after).order_by(outbox.c.sequence).limit(limit)
    ).mappings()
    return [_view(r) for r in rows]


# At most this many sequences are scanned per call: a role that may read few of the events (the
# warehouse, 1 in 100 in a busy shop) would otherwise scan to the end of the outbox for one
# page. Measured on PostgreSQL: 10,000 rows scanned for a page, ~26 ms.
SCAN_WINDOW = 10_000


def feed(conn: Connection, after: int, limit: int, prefixes: list[str],
         window: int = SCAN_WINDOW) -> dict[str, Any]:
    """The events after position `after` whose type starts `<prefix>.` for one of `prefixes`
    (the caller's readable ones, auth/roles.py), in commit order (the relay's stamp,
    events/relay.py), looking at most `window` positions ahead. `next_after` moves past the
    events filtered out too, so a consumer that is shown nothing still advances, never loops.
    Only stamped events are shown: an event appears once the relay has stamped it (the
    worker runs it every few hundred milliseconds)."""
    # The newest position first, and the page read only up to it: a stamp committed between
    # the two statements lies above `high`, so it stays ahead of the cursor, never skipped.
    newest = conn.execute(select(func.max(outbox.c.position))).scalar_one_or_none() or 0
    high = min(newest, after + window)
    readable = or_(false(), *(outbox.c.type.startswith(f"{p}.", autoescape=True)
                              for p in prefixes))
    rows = conn.execute(
        select(outbox).where(outbox.c.position > after, outbox.c.position <= high, readable)
        .order_by(outbox.c.position).limit(limit)
    ).mappings()
    items = [_view(r) for r in rows]
    # A full page may have readable events after its last one; a short one read up to `high`
    # (the newest event, or the end of the window: the next call goes on from there).
    next_after = items[-1]["sequence"] if len(items) == limit else max(high, after)
    return {"items": items, "next_after": next_after}
