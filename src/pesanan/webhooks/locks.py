"""Every row lock webhooks take.

The delivery claim is the one that matters: each due delivery is taken by exactly one worker
(PostgreSQL: FOR UPDATE SKIP LOCKED, so a second worker takes the next rows instead of
waiting; SQLite has one writer), and never while an earlier delivery of the same aggregate to
the same endpoint is still pending — that is what keeps one order's events in order at the
receiver, across retries and workers (a leased delivery is still pending, so its successors
wait for its answer). A delivery that failed for good (out of attempts) holds nothing back:
the endpoint's later events still go, and the failed one waits for a replay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased

from pesanan.events.models import outbox
from pesanan.webhooks.models import webhook_delivery, webhook_endpoint

ENDPOINT_COLUMNS = ("url", "secret_sealed", "previous_secret_sealed", "previous_secret_until",
                    "failing_since")
EVENT_COLUMNS = ("id", "type", "occurred_at", "position", "aggregate_type", "aggregate_id",
                 "data")


def _due_statement(postgresql: bool) -> Select[Any]:
    d = webhook_delivery
    earlier = aliased(webhook_delivery, name="earlier")
    # 'pending' written out, not bound: a partial index serves a query only when its WHERE
    # names the index's own condition, and a bound value (in a generic plan) does not.
    pending: ColumnElement[str] = literal_column("'pending'")
    # The check runs per candidate, as a probe of the index led by (endpoint, aggregate) that
    # exists for it: a few entries per order. Without statistics (a queue table nobody has
    # analyzed: autovacuum lagging, or off as in CI) the planner's defaults made it quadratic
    # in the pending deliveries instead, two ways: as an anti join against a whole scan of the
    # pending index per candidate, or through ix_webhook_delivery_due with the bare
    # `position <` as its condition (1.2 s per claim with 3,700 pending in the worker
    # benchmark). OFFSET 0 keeps the EXISTS a subplan run per row with that row's values
    # (PostgreSQL does not turn an EXISTS with an OFFSET into a join), and `position + 0` is no
    # index condition, so the equalities are the only way in.
    blocked = (select(literal_column("1")).where(
        earlier.c.endpoint_id == d.c.endpoint_id,
        earlier.c.aggregate_type == d.c.aggregate_type,
        earlier.c.aggregate_id == d.c.aggregate_id,
        earlier.c.status == pending, earlier.c.position + literal_column("0") < d.c.position)
        .offset(literal_column("0")).exists())
    ep = webhook_endpoint
    # First the due rows themselves, limited (and locked) before anything is joined: joined
    # inside, the event's outbox row was read for every pending delivery, not for the
    # `limit` taken, and sorted with it.
    due = (select(d).join(ep, and_(ep.c.id == d.c.endpoint_id, ep.c.status == "enabled"))
           .where(d.c.status == pending, d.c.next_attempt_at <= bindparam("at"), ~blocked)
           .order_by(d.c.next_attempt_at, d.c.position).limit(bindparam("limit")))
    if postgresql:
        # `of`: lock the deliveries only; the endpoint row is shared by all of them.
        due = due.with_for_update(skip_locked=True, of=d)
    taken = due.subquery("taken")
    # What sending needs comes with the claim, not in two more reads per batch: the endpoint
    # (prefixed ep_) and the event's outbox row (ev_; absent only if it were ever deleted).
    return (select(taken, *(ep.c[n].label(f"ep_{n}") for n in ENDPOINT_COLUMNS),
                   # The event's data as its JSON text (fanout.payload_of_text).
                   *(outbox.c[n].label(f"ev_{n}") if n != "data" else
                     cast(outbox.c.data, Text).label("ev_data") for n in EVENT_COLUMNS))
            .join(ep, ep.c.id == taken.c.endpoint_id)
            .outerjoin(outbox, outbox.c.id == taken.c.event_id)
            .order_by(taken.c.next_attempt_at, taken.c.position))


# Built once: the claim runs several times a second, and building and keying the statement
# again each time was a tenth of the sender's time per batch.
_DUE = {True: _due_statement(True), False: _due_statement(False)}


def due_deliveries(conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` pending deliveries due at `at`, of enabled endpoints, each the earliest
    pending one of its (endpoint, aggregate), locked; oldest due first. Each row also carries
    its endpoint's ENDPOINT_COLUMNS as ep_<name> and its event's EVENT_COLUMNS as ev_<name>."""
    stmt = _DUE[conn.dialect.name == "postgresql"]
    return [dict(r) for r in conn.execute(stmt, {"at": at, "limit": limit}).mappings()]


def endpoint_row(conn: Connection, endpoint_id: str) -> dict[str, Any] | None:
    """One endpoint, locked until the transaction ends (rotation, enable/disable, the
    failure bookkeeping after an attempt: each reads and writes it)."""
    stmt = select(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)
