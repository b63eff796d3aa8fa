"""Fan-out: each new event becomes one delivery per enabled endpoint that wants it.

The webhooks consumer's cursor (events/consumers.py) is claimed, the next stamped events read,
their deliveries inserted and the cursor advanced, all in one transaction: either the batch's
deliveries and the cursor move commit together or neither does, so an event is fanned out
exactly once; the unique (endpoint, event) key makes a second insert a no-op anyway (a range
replay may have created the delivery first). Nothing is sent here: sending is deliver.py's,
after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.events import catalogue, consumers
from pesanan.webhooks.models import webhook_delivery
from pesanan.webhooks.queries import enabled_endpoints

CONSUMER = "webhooks"
BATCH = 500


def payload(event: dict[str, Any]) -> str:
    """The body every attempt sends: the event's envelope, with the Standard Webhooks
    `timestamp` beside Pesanan's `occurred_at` (the same instant)."""
    return orjson.dumps({"id": event["id"], "type": event["type"],
                         "timestamp": event["occurred_at"], "occurred_at": event["occurred_at"],
                         "sequence": event["sequence"], "aggregate_type": event["aggregate_type"],
                         "aggregate_id": event["aggregate_id"], "data": event["data"]}).decode()


def payload_of_text(event: dict[str, Any]) -> str:
    """`payload` of an event whose `data` is still its JSON text, as stored (read_after with
    data_text): the same bytes, the text spliced in rather than parsed and written again
    (psycopg's parse and orjson's write were most of reading a batch of events). The same
    because the outbox's JSON is written by orjson (db/engine.py) and orjson writes what it
    parsed from its own output back byte for byte; every sender of webhooks builds bodies
    this way, so a retry sends the first attempt's bytes either way."""
    head = orjson.dumps({"id": event["id"], "type": event["type"],
                         "timestamp": event["occurred_at"], "occurred_at": event["occurred_at"],
                         "sequence": event["sequence"], "aggregate_type": event["aggregate_type"],
                         "aggregate_id": event["aggregate_id"]}).decode()
    return f'{head[:-1]},"data":{event["data"]}}}'


def delivery_row(event: dict[str, Any], endpoint_id: str, at: datetime) -> dict[str, Any]:
    return {"id": new_id(), "endpoint_id": endpoint_id, "event_id": event["id"],
            "event_type": event["type"], "position": event["sequence"],
            "aggregate_type": event["aggregate_type"], "aggregate_id": event["aggregate_id"],
            "payload": None, "status": "pending", "attempts": 0,
            "queued_attempts": 0, "next_attempt_at": at, "last_attempt_at": None,
            "last_status": None, "last_error": None, "delivered_at": None, "created_at": at}


# PostgreSQL: the batch bound as arrays, so the statement text is the same for every batch
# (an executemany renders, converts and plans a VALUES list per batch size: that was half of
# fan-out's time). The payload is left null: the sender builds it from the outbox row.
_INSERT_PG = text("""
    INSERT INTO webhook_delivery (id, endpoint_id, event_id, event_type, position,
        aggregate_type, aggregate_id, status, attempts, queued_attempts, next_attempt_at,
        created_at)
    SELECT v.id, v.endpoint_id, v.event_id, v.event_type, v.position, v.aggregate_type,
        v.aggregate_id, 'pending', 0, 0, v.at, v.at
    FROM unnest(CAST(:id AS varchar[]), CAST(:endpoint_id AS varchar[]),
                CAST(:event_id AS varchar[]), CAST(:event_type AS varchar[]),
                CAST(:position AS bigint[]), CAST(:aggregate_type AS varchar[]),
                CAST(:aggregate_id AS varchar[]), CAST(:at AS timestamptz[]))
        AS v(id, endpoint_id, event_id, event_type, position, aggregate_type, aggregate_id, at)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id""")
_ARRAYS = {"id": "id", "endpoint_id": "endpoint_id", "event_id": "event_id",
           "event_type": "event_type", "position": "position",
           "aggregate_type": "aggregate_type", "aggregate_id": "aggregate_id",
           "at": "next_attempt_at"}


def insert_missing(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert new pending deliveries (delivery_row), skipping any (endpoint, event) that has
    one; returns how many."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return len(conn.execute(_INSERT_PG, {k: [r[col] for r in rows]
                                             for k, col in _ARRAYS.items()}).all())
    # SQLite: RETURNING, because an executemany's rowcount is not reliable across drivers.
    done = conn.execute(sqlite_insert(webhook_delivery).on_conflict_do_nothing(
        index_elements=["endpoint_id", "event_id"]).returning(webhook_delivery.c.id), rows)
    return len(done.all())


def fan_out(conn: Connection, limit: int = BATCH) -> int:
    """One batch inside the caller's transaction; returns how many events it took."""
    pos = consumers.claim(conn, CONSUMER)
    if pos is None:  # another worker is fanning out right now
        return 0
    events = consumers.read_after(conn, pos, limit)
    if not events:
        return 0
    endpoints = enabled_endpoints(conn)
    at = now()
    insert_missing(conn, [delivery_row(e, ep["id"], at) for e in events for ep in endpoints
                          if catalogue.matches(ep["event_types"], e["type"])])
    consumers.advance(conn, CONSUMER, events[-1]["sequence"])
    return len(events)


def run(engine: Engine) -> int:
    """The worker's fan-out task: one batch, one transaction."""
    return transact(engine, fan_out)
