"""The broker consumer: the feed, in position order, onto NATS JetStream.

One pass: claim the "broker" cursor, read up to BATCH events after it, publish them and wait
for every ack, advance the cursor, commit. On PostgreSQL the cursor row stays locked across the
publish (not a lease): the batch is short and bounded by nats_timeout, the lock dies with the
connection if the worker is killed (no lease to expire or tune), and while it is held a second
worker skips (SKIP LOCKED) instead of publishing the same events beside it, so the stream
receives them in feed order. A crash after publish and before commit leaves the cursor where it
was: the next pass publishes the batch again with the same Nats-Msg-Id and JetStream drops the
copies. A broker outage fails the pass before any transaction opens (connect first).

SQLite takes its one write lock at BEGIN (IMMEDIATE), so holding the cursor across the publish
would stop every writer of the shop for a batch's acks (~0.1 s for 200, up to nats_timeout on
a stuck broker). There the batch is read on the read engine and published outside any write
transaction, and the cursor is moved after, only from where it was seen. SQLite runs one
worker; a second one's copies would be dropped by their Nats-Msg-Id.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine

from pesanan.broker.link import Link
from pesanan.broker.subjects import message
from pesanan.config import Settings
from pesanan.db.tx import transact
from pesanan.events.consumers import advance, claim, lag, read_after

log = logging.getLogger("pesanan.broker")
NAME = "broker"  # its cursor in events.consumers
BATCH = 200


def link_for(settings: Settings) -> Link:
    return Link(settings.nats_url, settings.nats_stream, settings.nats_subject_prefix,
                settings.nats_timeout)


def publish_batch(conn: Connection, link: Link, limit: int = BATCH) -> int:
    position = claim(conn, NAME)
    if position is None:
        return 0  # another worker is publishing right now
    events = read_after(conn, position, limit)
    if not events:
        return 0
    duplicates = link.publish([message(link.prefix, e) for e in events])
    advance(conn, NAME, events[-1]["sequence"])
    _say_republished(duplicates, events)
    return len(events)


def publish_pending(engine: Engine, reader: Engine, link: Link, limit: int = BATCH) -> int:
    """One pass (the worker's broker task): how many events went out. `reader` is the read
    engine (used on SQLite only)."""
    link.connect()  # an unreachable broker fails here, holding no lock
    if engine.dialect.name == "sqlite":
        return _publish_then_advance(engine, reader, link, limit)
    return transact(engine, lambda conn: publish_batch(conn, link, limit))


def _publish_then_advance(engine: Engine, reader: Engine, link: Link, limit: int) -> int:
    with reader.connect() as conn:
        seen = int(lag(conn)["cursors"].get(NAME, 0))
        events = read_after(conn, seen, limit)
    if not events:
        return 0
    duplicates = link.publish([message(link.prefix, e) for e in events])

    def move(conn: Connection) -> bool:
        if claim(conn, NAME) != seen:
            return False  # moved meanwhile (a second worker): leave it where it is
        advance(conn, NAME, events[-1]["sequence"])
        return True

    if not transact(engine, move):
        return 0
    _say_republished(duplicates, events)
    return len(events)


def _say_republished(duplicates: int, events: list[dict[str, Any]]) -> None:
    if duplicates:  # after a crash before the cursor moved: expected, and dropped by NATS
        log.info("republished %d events the stream already had (positions %d-%d)",
                 duplicates, events[0]["sequence"], events[-1]["sequence"])
