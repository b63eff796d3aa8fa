"""Reading the feed as a consumer: the stamped events after a position, and cursors that one
worker at a time holds while it handles a batch.

A consumer's effects and its cursor move commit together, so each event takes effect once:
    pos = claim(conn, "webhooks")        # None: another worker has this consumer right now
    events = read_after(conn, pos, 200)
    ... effects ...
    advance(conn, "webhooks", events[-1]["sequence"])
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    Update,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pesanan.core.clock import now, rfc3339
from pesanan.events.models import event_cursor, outbox


def envelope(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "type": r["type"], "occurred_at": rfc3339(r["occurred_at"]),
            "sequence": r["position"], "aggregate_type": r["aggregate_type"],
            "aggregate_id": r["aggregate_id"], "data": r["data"]}


# The outbox's columns with `data` as the JSON text it is stored as (not parsed): for a
# consumer that passes it on as it is (webhooks' bodies).
DATA_TEXT = (*(c for c in outbox.c if c.name != "data"),
             cast(outbox.c.data, Text).label("data"))


def read_after(conn: Connection, position: int, limit: int,
               types: list[str] | None = None, *, data_text: bool = False
               ) -> list[dict[str, Any]]:
    """Stamped events with position > `position`, in position order (of `types` if given);
    with `data_text`, each event's data is its JSON text."""
    stmt = (select(*DATA_TEXT) if data_text else select(outbox)).where(
        outbox.c.position > position)
    if types is not None:
        stmt = stmt.where(outbox.c.type.in_(types))
    rows = conn.execute(stmt.order_by(outbox.c.position).limit(limit)).mappings()
    return [envelope(r) for r in rows]


def _locked(conn: Connection, name: str) -> int | None:
    stmt = select(event_cursor.c.position).where(event_cursor.c.name == name)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return conn.execute(stmt).scalar_one_or_none()


def claim(conn: Connection, name: str) -> int | None:
    """Lock consumer `name`'s cursor until the transaction ends and return its position; None
    when another worker holds it (PostgreSQL, SKIP LOCKED: nobody waits). A new consumer starts
    at 0, the beginning of the feed."""
    got = _locked(conn, name)
    if got is not None:
        return int(got)
    # Missing, or locked by someone else: create it if missing (a no-op if it exists), then
    # look again.
    if conn.dialect.name == "postgresql":
        # Committed at once on a connection of its own: a row inserted in this transaction
        # would make a second worker's first claim wait for our commit instead of skipping.
        with conn.engine.begin() as own:
            own.execute(pg_insert(event_cursor).values(name=name, position=0, updated_at=now())
                        .on_conflict_do_nothing(index_elements=["name"]))
    else:  # SQLite: this transaction is the one writer; nobody else could be waiting
        conn.execute(sqlite_insert(event_cursor).values(name=name, position=0, updated_at=now())
                     .on_conflict_do_nothing(index_elements=["name"]))
    got = _locked(conn, name)
    return None if got is None else int(got)


def advance(conn: Connection, name: str, position: int) -> None:
    """Move the cursor (held by this transaction's claim) to `position`."""
    conn.execute(update(event_cursor).where(event_cursor.c.name == name)
                 .values(position=position, updated_at=now()))


def skip_statement(name: str, unless: ColumnElement[bool]) -> Update:
    """A statement that moves consumer `name`'s cursor (claimed by this transaction) to the
    newest stamped event unless `unless` holds, both read in one snapshot, and returns the new
    position (no row: `unless` held, or nothing new; an idle pass writes nothing). For a
    consumer with nothing to do for any event while `unless` is false (automation: no rule
    enabled); built once by the consumer, executed with `at` (the cursor's updated_at)."""
    newest = select(func.max(outbox.c.position)).scalar_subquery()
    return (update(event_cursor)
            .where(event_cursor.c.name == name, event_cursor.c.position < newest, ~unless)
            .values(position=newest, updated_at=bindparam("at"))
            .returning(event_cursor.c.position))


def reset(conn: Connection, name: str, position: int) -> None:
    """Put a consumer back to `position` (a replay from a cursor): it waits for the holder."""
    claim(conn, name)
    advance(conn, name, position)


def newest_position(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(outbox.c.position), 0))).scalar_one())


def lag(conn: Connection, at: datetime | None = None) -> dict[str, Any]:
    """How far behind the relay and each consumer are: the age (seconds) of the oldest event
    not yet stamped, how many wait, the newest position, and each cursor's position."""
    oldest, waiting = conn.execute(
        select(func.min(outbox.c.occurred_at), func.count())
        .where(outbox.c.position.is_(None))).one()
    t = at or now()
    return {"unstamped": int(waiting),
            "oldest_unstamped_seconds": (t - oldest).total_seconds() if oldest else 0.0,
            "newest_position": newest_position(conn),
            "cursors": {r.name: int(r.position) for r in conn.execute(
                select(event_cursor.c.name, event_cursor.c.position))}}
