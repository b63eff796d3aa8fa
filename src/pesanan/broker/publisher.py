"""The broker consumer: the feed, in position order, onto NATS JetStream.

One pass: claim the "broker" cursor, read up to BATCH events after it, publish them and wait
for every ack, advance the cursor, commit. The cursor row stays locked across the publish
(not a lease): the batch is short and bounded by nats_timeout, the lock dies with the
connection if the worker is killed (no lease to expire or tune), and while it is held a second
worker skips (SKIP LOCKED) instead of publishing the same events beside it, so the stream
receives them in feed order. A crash after publish and before commit leaves the cursor where it
was: the next pass publishes the batch again with the same Nats-Msg-Id and JetStream drops the
copies. A broker outage fails the pass before any transaction opens (connect first).

On SQLite the transaction holds the one write lock while it publishes (BEGIN IMMEDIATE), so
writers wait for a batch's acks: milliseconds on a healthy broker, at most nats_timeout on a
stuck one. The broker is meant for PostgreSQL deployments; on SQLite it works, with that cost.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine

from pesanan.broker.link import Link
from pesanan.broker.subjects import message
from pesanan.config import Settings
from pesanan.db.tx import transact
from pesanan.events.consumers import advance, claim, read_after

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
    if duplicates:
        log.info("republished %d events the stream already had (positions %d-%d)",
                 duplicates, events[0]["sequence"], events[-1]["sequence"])
    return len(events)


def publish_pending(engine: Engine, link: Link, limit: int = BATCH) -> int:
    """One pass (the worker's broker task): how many events went out."""
    link.connect()  # an unreachable broker fails here, holding no lock
    return transact(engine, lambda conn: publish_batch(conn, link, limit))
