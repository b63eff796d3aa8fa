"""Manual replay: one delivery again, or every event after a cursor for one endpoint.

A replayed delivery keeps its `webhook-id` (the spec: the id names the message, so a receiver
that processed it already can tell) and gets a fresh run of attempts (the backoff counts from
the replay). Events the endpoint never had a delivery for (it was disabled, or created
later, or its filter changed) get one now; the ordering rule (locks.py) still holds, so one
order's replayed events arrive in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.core.clock import now
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.events import catalogue, consumers
from pesanan.webhooks import locks
from pesanan.webhooks.fanout import delivery_row, insert_missing
from pesanan.webhooks.models import webhook_delivery
from pesanan.webhooks.queries import get_delivery

PAGE = 500
MAX_EVENTS = 10_000  # per call; a longer range is replayed in steps (the answer says where)


def _requeue(conn: Connection, *where: Any) -> int:
    d = webhook_delivery.c
    return int(conn.execute(update(webhook_delivery).where(*where).values(
        status="pending", next_attempt_at=now(), queued_attempts=d.attempts)).rowcount)


def replay_delivery(conn: Connection, delivery_id: str) -> dict[str, Any]:
    """Due now, same webhook-id, a fresh set of attempts."""
    if _requeue(conn, webhook_delivery.c.id == delivery_id) != 1:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    return get_delivery(conn, delivery_id)


def replay_from(conn: Connection, endpoint_id: str, after: int) -> dict[str, Any]:
    """Queue again every event with position > `after` that the endpoint's filter wants:
    its delivery if it has one, a new one if not. At most MAX_EVENTS events per call;
    `through` is the last position covered (call again with after=through for more)."""
    ep = locks.endpoint_row(conn, endpoint_id)
    if ep is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    newest = consumers.newest_position(conn)
    if after > newest:
        raise ValidationFailed("the cursor is past the newest event",
                               [FieldError("after", "out_of_range", f"newest is {newest}")])
    pos, seen, created, wanted_ids = after, 0, 0, []
    at = now()
    while seen < MAX_EVENTS:
        events = consumers.read_after(conn, pos, min(PAGE, MAX_EVENTS - seen))
        if not events:
            break
        seen += len(events)
        pos = events[-1]["sequence"]
        wanted = [e for e in events if catalogue.matches(ep["event_types"], e["type"])]
        wanted_ids += [e["id"] for e in wanted]
        created += insert_missing(conn, [delivery_row(e, endpoint_id, at) for e in wanted])
    d = webhook_delivery.c
    for i in range(0, len(wanted_ids), PAGE):
        _requeue(conn, d.endpoint_id == endpoint_id,
                             d.event_id.in_(wanted_ids[i:i + PAGE]))
    queued = conn.execute(select(d.id).where(d.endpoint_id == endpoint_id,
                                             d.position > after, d.position <= pos,
                                             d.status == "pending")).all()
    return {"endpoint_id": endpoint_id, "after": after, "through": pos,
            "events": len(wanted_ids), "created": created, "queued": len(queued)}
