"""The worker's fan-out task: new events become deliveries, and those that can go at once are
inserted already leased to this worker and sent straight after the commit.

Why: on the happy path (a healthy endpoint, nothing of the order still pending) a delivery
used to be inserted due, found and locked by the delivery claim (a join per row and a check
per order), leased by an UPDATE (a second row version, and index entries), then sent and
recorded. Inserted leased, it skips the claim and the lease: one row version less per event,
and the costliest read of the worker path gone.

What keeps holding:
- Once per event and endpoint: the insert and the cursor move commit together (fanout.py);
  the unique (endpoint, event) key keeps a second insert a no-op, and a delivery that existed
  already (a replay made it) is not sent from here.
- A leased row is this worker's until the lease ends, exactly as after a claim: no other
  worker's claim takes it (it is not due), the record is fenced on the lease
  (delivery/machine.py), and a worker killed after the commit leaves it pending, sent again by
  any worker's delivery lane once the lease ran out, with the same webhook-id.
- One order's events in order per endpoint: only the first delivery of an (endpoint,
  aggregate) in the batch is leased, and only while no earlier delivery of that pair is
  still pending (checked in the insert itself, against what committed before it). The others
  are inserted due: the delivery lane's claim holds each back until its predecessor is done.
- An endpoint already failing gets nothing sent from here: its deliveries go due to the
  delivery lane, where retries wait their backoff (and a hanging endpoint does not hold up
  the fan-out of every other endpoint's events by a deadline per batch).
- At most SEND leased rows per batch; the rest go due. However many, the batch stays inside
  its lease: delivery/machine.py starts no send later than half a deadline into the batch
  and releases what it did not start (due again at once, for the delivery lane).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pesanan.core.clock import now
from pesanan.core.crypto import SecretBox
from pesanan.db.tx import transact
from pesanan.delivery import machine
from pesanan.delivery.machine import Item, Sender
from pesanan.events import catalogue, consumers
from pesanan.outbound import Client
from pesanan.webhooks import deliver, fanout, locks
from pesanan.webhooks.models import webhook_delivery, webhook_endpoint

# Events per fan-out transaction (a full batch runs again at once). A relay tick's worth
# under load (~100 events at 450 orders/s and 0.3 s) in one pass: a pass of 64 left a second
# pass per tick, each a transaction, a record and a commit of its own.
BATCH = 256
SEND = 256  # deliveries leased and sent per batch, at most (one endpoint: all of a batch)

_ENDPOINTS = (select(webhook_endpoint.c.id, webhook_endpoint.c.event_types,
                     *(webhook_endpoint.c[n] for n in locks.ENDPOINT_COLUMNS))
              .where(webhook_endpoint.c.status == "enabled"))

# PostgreSQL: the batch as one JSON parameter read as a record set (one statement text for
# every batch; one string binds far cheaper than eight arrays). A row flagged `send` gets the
# lease as its next attempt unless an earlier delivery of its endpoint and aggregate is still
# pending (the EXISTS sees what committed before this statement, never the rows it inserts;
# OFFSET 0 and `position + 0` keep it a probe of ix_webhook_delivery_pending_aggregate, as in
# locks.py). RETURNING says which were inserted and which of them got the lease.
_INSERT_PG = text("""
    INSERT INTO webhook_delivery (id, endpoint_id, event_id, event_type, position,
        aggregate_type, aggregate_id, status, attempts, queued_attempts, next_attempt_at,
        created_at)
    SELECT v.id, v.endpoint_id, v.event_id, v.event_type, v.position, v.aggregate_type,
        v.aggregate_id, 'pending', 0, 0,
        CASE WHEN v.send AND NOT EXISTS (
            SELECT 1 FROM webhook_delivery AS e
            WHERE e.endpoint_id = v.endpoint_id AND e.aggregate_type = v.aggregate_type
              AND e.aggregate_id = v.aggregate_id AND e.status = 'pending'
              AND e.position + 0 < v.position OFFSET 0)
        THEN CAST(:until AS timestamptz) ELSE CAST(:at AS timestamptz) END,
        CAST(:at AS timestamptz)
    FROM json_to_recordset(CAST(:rows AS json))
        AS v(id varchar, endpoint_id varchar, event_id varchar, event_type varchar,
             position bigint, aggregate_type varchar, aggregate_id varchar, send boolean)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id, next_attempt_at = CAST(:until AS timestamptz) AS leased""")
_COLUMNS = ("id", "endpoint_id", "event_id", "event_type", "position", "aggregate_type",
            "aggregate_id", "send")


def _insert(conn: Connection, rows: list[dict[str, Any]], at: datetime, until: datetime
            ) -> dict[str, bool]:
    """Insert the batch's deliveries (each with `send`: may it be leased); id -> leased, for
    those inserted."""
    if not rows:
        return {}
    if conn.dialect.name == "postgresql":
        batch = orjson.dumps([{c: r[c] for c in _COLUMNS} for r in rows]).decode()
        return {r.id: bool(r.leased) for r in conn.execute(
            _INSERT_PG, {"rows": batch, "at": at, "until": until})}
    # SQLite (one writer: nothing commits between this read and the insert).
    d = webhook_delivery.c
    held = {tuple(r) for r in conn.execute(
        select(d.endpoint_id, d.aggregate_type, d.aggregate_id, d.position).where(
            d.status == "pending", d.aggregate_id.in_({r["aggregate_id"] for r in rows})))}
    for r in rows:
        r["leased"] = r["send"] and not any(
            h[:3] == (r["endpoint_id"], r["aggregate_type"], r["aggregate_id"])
            and h[3] < r["position"] for h in held)
    done = conn.execute(sqlite_insert(webhook_delivery).on_conflict_do_nothing(
        index_elements=["endpoint_id", "event_id"]).returning(webhook_delivery.c.id), [
        {**{k: v for k, v in r.items() if k not in ("send", "leased")},
         "next_attempt_at": until if r["leased"] else at} for r in rows])
    inserted = set(done.scalars())
    return {r["id"]: r["leased"] for r in rows if r["id"] in inserted}


class Batch(NamedTuple):
    taken: int  # events
    items: list[Item]  # leased to this worker, to send once the transaction committed
    due: int  # deliveries inserted due, for the delivery lane


def fan_out(conn: Connection, kind: deliver.Webhooks, at: datetime, until: datetime,
            limit: int = BATCH, send: int = SEND) -> Batch:
    """One fan-out batch in the caller's transaction; the items are leased until `until`."""
    pos = consumers.claim(conn, fanout.CONSUMER)
    if pos is None:  # another worker is fanning out right now
        return Batch(0, [], 0)
    events = consumers.read_after(conn, pos, limit, data_text=True)
    if not events:
        return Batch(0, [], 0)
    endpoints = [dict(r) for r in conn.execute(_ENDPOINTS).mappings()]
    rows: list[dict[str, Any]] = []
    bodies: dict[str, str] = {}
    first: set[tuple[str, str, str]] = set()
    sending = 0
    for e in events:
        for ep in endpoints:
            if not catalogue.matches(ep["event_types"], e["type"]):
                continue
            row = fanout.delivery_row(e, ep["id"], at)
            pair = (ep["id"], e["aggregate_type"], e["aggregate_id"])
            row["send"] = (ep["failing_since"] is None and pair not in first
                           and sending < send)
            sending += row["send"]
            first.add(pair)
            rows.append(row)
            bodies.setdefault(e["id"], fanout.payload_of_text(e))
    leased = _insert(conn, rows, at, until)
    consumers.advance(conn, fanout.CONSUMER, events[-1]["sequence"])
    by_id = {ep["id"]: ep for ep in endpoints}
    items = [kind.item({**r, "payload": bodies[r["event_id"]]}, by_id[r["endpoint_id"]],
                       until, at) for r in rows if leased.get(r["id"])]
    return Batch(len(events), items, len(leased) - len(items))


def run(engine: Engine, box: SecretBox, client: Client, rules: deliver.Rules, *,
        limit: int = BATCH, sender: Sender | None = None,
        clock: Callable[[], datetime] = now) -> int:
    """The worker's fan-out task: one batch, its leased deliveries sent and recorded after
    the commit. How many events it took."""
    return run_pass(engine, box, client, rules, limit=limit, sender=sender, clock=clock)[0]


def run_pass(engine: Engine, box: SecretBox, client: Client, rules: deliver.Rules, *,
             limit: int = BATCH, sender: Sender | None = None,
             clock: Callable[[], datetime] = now) -> tuple[int, int]:
    """`run`, and how many deliveries it left due for the delivery lane (inserted due, or
    leased and released unsent): only then has the lane work at once."""
    kind = deliver.Webhooks(box, rules)
    at = clock()
    until = at + machine.lease_for(client)
    batch = transact(engine, lambda conn: fan_out(conn, kind, at, until, limit))
    names = machine.send_claimed(engine, kind, client, batch.items, clock=clock, sender=sender)
    return batch.taken, batch.due + names.count("released")
