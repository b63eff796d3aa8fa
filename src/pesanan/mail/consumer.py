"""The `mail` consumer (a worker task): each new event a notification is made from becomes one
pending message, in the transaction that moves the consumer's cursor (events/consumers.py, the
pattern of webhooks/fanout.py). The batch's messages and the cursor move commit together or not
at all, and the unique (event, kind) key makes a second insert a no-op, so an event makes at
most one message of each kind however often it is read (the cursor put back, a replay).
Nothing is sent here: send.py sends after commit.

Skipped, with nothing queued: a notification the shop switched off; an event with nobody to
write to (a customer without an email); an event older than MAX_AGE (email turned on for a
shop with years of history must not confirm every old order). A refusal while composing
(a row the event names is gone) skips that event's message with a warning rather than hold
up every later message; anything else (the database gone, a bug) rolls the batch back and it
is read again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from pesanan.core.clock import now
from pesanan.core.errors import DomainError
from pesanan.db.tx import transact
from pesanan.events import consumers
from pesanan.mail import compose, service
from pesanan.mail.notifications import BY_EVENT
from pesanan.shop import service as shop_service

log = logging.getLogger("pesanan.mail")
NAME = "mail"
BATCH = 200
MAX_AGE = timedelta(days=3)


def run_once(engine: Engine, limit: int = BATCH) -> int:
    """One batch in one transaction; how many events it read (0: nothing new, or another
    worker holds the cursor)."""
    return transact(engine, lambda conn: compose_batch(conn, limit))


def compose_batch(conn: Connection, limit: int = BATCH) -> int:
    position = consumers.claim(conn, NAME)
    if position is None:
        return 0
    events = consumers.read_after(conn, position, limit)
    if not events:
        return 0
    at = now()
    wanted = [e for e in events if e["type"] in BY_EVENT
              and at - datetime.fromisoformat(e["occurred_at"]) <= MAX_AGE]
    if wanted:
        enabled = service.enabled_kinds(conn)
        shop = compose.Shop(shop_service.profile(conn))
        rows = [row for e in wanted if BY_EVENT[e["type"]].kind in enabled
                for row in [_message(conn, e, shop, at)] if row is not None]
        service.queue(conn, rows)
    consumers.advance(conn, NAME, events[-1]["sequence"])
    return len(events)


def _message(conn: Connection, event: dict[str, Any], shop: compose.Shop, at: datetime
             ) -> dict[str, Any] | None:
    kind = BY_EVENT[event["type"]].kind
    try:  # composing only reads: a refusal (NotFound) leaves nothing to undo
        draft = compose.draft(conn, kind, event["data"], shop)
    except DomainError as exc:
        log.warning("mail %s for %s %s skipped: %s", kind, event["type"], event["id"],
                    exc.detail)
        return None
    if draft is None:
        log.info("mail %s for %s %s: nobody to write to", kind, event["type"], event["id"])
        return None
    return service.message_row(event, kind, draft, shop, at)
