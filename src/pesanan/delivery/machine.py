"""The one delivery machinery: claim due messages with a lease, send them in parallel through
the one outbound client (pesanan/outbound: SSRF-checked after DNS, no redirects, a total
deadline, a capped answer) outside any transaction, and record every attempt fenced on the
lease. Webhooks (webhooks/deliver.py) and the 3PL dispatch (fulfillment/dispatch.py) are two
`Kind`s of it: each says which rows are due, how a message looks and what an outcome means
beyond the row itself; the loop, the lease, the fence, the attempt log and the backoff
(backoff.py) are the same for both.

- Claim: one short transaction takes up to `limit` due rows (the kind's `due`, locked: SKIP
  LOCKED on PostgreSQL) and pushes each one's next attempt to the end of a lease the send
  cannot outlast (LEASE_FACTOR deadlines). A crashed sender's lease runs out and the row is
  sent again, never lost; the same message (the kind keeps its id stable), so a receiver can
  tell a repeat.
- Send: the batch goes out in parallel (a thread per message), so a slow receiver costs one
  deadline, not one per message. A send never raises: every failure is the message's own.
- Record: one transaction for the batch, each row updated only while the lease is still this
  sender's (still pending, with the attempt count and lease end it set), so a late sender
  never overwrites a newer attempt. Every attempt gets a row in the kind's attempt log
  (status, latency, answer excerpt, error, outcome). 2xx: done; otherwise the next attempt
  waits per backoff.py, and after the last one the row is failed.

The tables of both kinds share these column names: rows `id, status, attempts,
next_attempt_at, last_attempt_at, last_status, last_error` and a done timestamp; attempts
`id, <parent>, attempted_at, status, latency_ms, response_excerpt, error, outcome`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Engine, Table, text, update

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.delivery import backoff
from pesanan.outbound import Answer, Client, OutboundError

# The sends of every batch, of every kind, in this process: threads kept, not made per batch
# (starting them was 15 % of a batch's time). Room for every kind's full batch side by side
# (webhooks' fan-out sends up to 64 at once, its delivery lane 32, the 3PL dispatch 16), so
# no send waits for a thread and each batch stays within one deadline of its lease. Threads
# are started only as a batch needs them.
SENDERS = 128
_senders = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="delivery")

log = logging.getLogger("pesanan.delivery")
LEASE_FACTOR = 3  # deadlines per lease: the send, plus slack for the two transactions
EXCERPT = 500

Sender = Callable[[str, bytes, dict[str, str]], Answer]


@dataclass
class Item:
    """One claimed message: its row as claimed, the lease end, and what to send. `refusal`
    says why it cannot be sent at all (no endpoint, a secret that cannot be unsealed): that
    attempt fails without a request. `extra` is the kind's own (e.g. the endpoint's health)."""

    row: dict[str, Any]
    until: datetime
    url: str | None
    body: bytes
    headers: dict[str, str]
    refusal: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    status: int | None
    error: str | None
    excerpt: str | None
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class Kind(Protocol):
    """What differs between webhooks and the 3PL dispatch."""

    name: str  # in logs: "webhook delivery", "3pl dispatch"
    rows: Table  # the messages
    attempts: Table  # their attempt log
    parent: str  # the attempt log's column naming the message
    done: str  # the status (and attempt outcome) of a message that got through
    done_at: str  # the row's column stamped when it got through

    @property
    def scale(self) -> float:
        """Shrinks the backoff schedule (tests)."""
        ...

    def due(self, conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` rows due at `at`, locked for this transaction."""
        ...

    def prepare(self, conn: Connection, rows: list[dict[str, Any]], until: datetime,
                at: datetime) -> list[Item]:
        """What to send for each claimed row (same order), in the claim's transaction."""
        ...

    def queued(self, row: dict[str, Any]) -> int:
        """The row's attempt count when it was last queued: the backoff counts from there."""
        ...

    def after(self, conn: Connection, item: Item, outcome: Outcome, name: str,
              at: datetime) -> None:
        """The kind's own consequences of a recorded attempt (in the record transaction)."""
        ...


def claim(engine: Engine, kind: Kind, at: datetime, lease: timedelta, limit: int
          ) -> list[Item]:
    """Take up to `limit` due messages under a lease ending at `at + lease`."""
    def run(conn: Connection) -> list[Item]:
        rows = kind.due(conn, at, limit)
        if not rows:
            return []
        until = at + lease
        ids = [r["id"] for r in rows]
        if conn.dialect.name == "postgresql":
            # One statement text whatever the batch's size (an IN list renders one per size,
            # each converted and planned anew). The table name is the kind's constant.
            conn.execute(text(f"UPDATE {kind.rows.name} SET next_attempt_at = :until "
                              "WHERE id = ANY(CAST(:ids AS varchar[]))"),
                         {"until": until, "ids": ids})
        else:
            conn.execute(update(kind.rows).where(kind.rows.c.id.in_(ids))
                         .values(next_attempt_at=until))
        return kind.prepare(conn, rows, until, at)
    return transact(engine, run)


def attempt(kind_name: str, item: Item, sender: Sender) -> Outcome:
    """Send one message once; never raises (every failure belongs to the message)."""
    if item.refusal is not None or item.url is None:
        return Outcome(None, item.refusal or "no URL to send to", None, 0)
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)
    try:
        answer = sender(item.url, item.body, item.headers)
    except OutboundError as exc:
        return Outcome(None, str(exc)[:EXCERPT], None, took())
    except Exception as exc:  # a bug must not stop the batch; the log keeps the traceback
        log.exception("%s %s: unexpected failure", kind_name, item.row["id"])
        return Outcome(None, f"internal error: {type(exc).__name__}", None, took())
    excerpt = answer.body[:EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT] or None
    error = (f"HTTP {answer.status} (redirects are not followed)"
             if 300 <= answer.status < 400 else
             None if 200 <= answer.status < 300 else f"HTTP {answer.status}")
    return Outcome(answer.status, error, excerpt, took())


def next_values(kind: Kind, row: dict[str, Any], outcome: Outcome, at: datetime
                ) -> tuple[str, dict[str, Any]]:
    """The attempt's outcome name (kind.done | "retry" | "failed") and the row's new values."""
    attempts = row["attempts"] + 1
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": at,
                              "last_status": outcome.status, "last_error": outcome.error}
    if outcome.ok:
        return kind.done, {**values, "status": kind.done, kind.done_at: at}
    wait = backoff.delay_after(attempts - kind.queued(row), random.random(), kind.scale)
    if wait is None:
        return "failed", {**values, "status": "failed"}
    return "retry", {**values, "next_attempt_at": at + timedelta(seconds=wait)}


def record(conn: Connection, kind: Kind, item: Item, outcome: Outcome, at: datetime) -> str:
    """Write the attempt and its consequences; "lost" when the lease was no longer ours."""
    return record_all(conn, kind, [(item, outcome, at)])[0]


def record_all(conn: Connection, kind: Kind, done: list[tuple[Item, Outcome, datetime]]
               ) -> list[str]:
    """Record a batch's attempts: each row's update fenced on its own lease (on PostgreSQL
    all in one statement), then every attempt-log row in one statement, then the kind's
    consequences, which may read the log. The outcome name of each; "lost" where the lease
    was no longer ours."""
    planned = [(item, outcome, at, *next_values(kind, item.row, outcome, at))
               for item, outcome, at in done]
    held = _update_fenced(conn, kind, [(item, values) for item, _, _, _, values in planned])
    names: list[str] = []
    logged: list[dict[str, Any]] = []
    for item, outcome, at, name, _ in planned:
        row = item.row
        if row["id"] not in held:
            log.warning("%s %s: lease lost, attempt not recorded", kind.name, row["id"])
            names.append("lost")
            continue
        names.append(name)
        logged.append({"id": new_id(), kind.parent: row["id"], "attempted_at": at,
                       "status": outcome.status, "latency_ms": outcome.latency_ms,
                       "response_excerpt": outcome.excerpt, "error": outcome.error,
                       "outcome": name})
    if logged:
        _log_attempts(conn, kind, logged)
    for (item, outcome, at), name in zip(done, names, strict=True):
        if name != "lost":
            kind.after(conn, item, outcome, name, at)
    return names


def _log_attempts(conn: Connection, kind: Kind, logged: list[dict[str, Any]]) -> None:
    """The attempt-log rows of a batch. PostgreSQL: one JSON parameter read as a record set,
    one statement text for every batch (an executemany renders a VALUES list per batch size,
    and binding a column as an array cost more in psycopg's array dumping than the round
    trip: a quarter of fan-out's and recording's CPU)."""
    if conn.dialect.name != "postgresql":
        conn.execute(kind.attempts.insert(), logged)
        return
    cols = ("id", kind.parent, "attempted_at", "status", "latency_ms", "response_excerpt",
            "error", "outcome")
    types = ("varchar", "varchar", "timestamptz", "integer", "integer", "varchar", "varchar",
             "varchar")
    conn.execute(text(
        f"INSERT INTO {kind.attempts.name} ({', '.join(cols)}) SELECT {', '.join(cols)} "
        "FROM json_to_recordset(CAST(:rows AS json)) AS v("
        + ", ".join(f"{c} {t}" for c, t in zip(cols, types, strict=True)) + ")"),
        {"rows": orjson.dumps(logged).decode()})


def _update_fenced(conn: Connection, kind: Kind, rows: list[tuple[Item, dict[str, Any]]]
                   ) -> set[str]:
    """Apply each row's new values while its lease is still ours (still pending, with the
    attempt count and lease end the claim set); the ids where it was. PostgreSQL: one
    UPDATE ... FROM (VALUES ...) for the batch (a statement per row was a fifth of the
    worker's time per delivery); SQLite (one writer, no network): a statement per row."""
    t = kind.rows
    if conn.dialect.name != "postgresql" or len(rows) == 1:
        held = set()
        for item, values in rows:
            row = item.row
            if conn.execute(update(t).where(
                    t.c.id == row["id"], t.c.status == "pending",
                    t.c.attempts == row["attempts"],
                    t.c.next_attempt_at == item.until).values(**values)).rowcount == 1:
                held.add(row["id"])
        return held
    # The batch as one JSON parameter read as a record set, not a VALUES list rendered per
    # batch: the statement text is the same every time (compiling a VALUES of 32 rows cost
    # more than the round trips it saved), and one string binds far cheaper than ten arrays.
    # Table and column names are the kind's own constants, never input. The lease is
    # compared as an expression (`+ interval '0 s'`, the same instant) so that it cannot be an
    # index condition: every row of a batch has the same lease end, and without statistics
    # the planner found each row through the due index by it, reading the whole batch's
    # entries once per row (1,700 buffers per record); this way each row is found by its id.
    done_at = kind.done_at
    stmt = text(f"""
        UPDATE {t.name} AS d SET status = v.status, attempts = v.attempts,
            last_attempt_at = v.last_attempt_at, last_status = v.last_status,
            last_error = v.last_error,
            next_attempt_at = COALESCE(v.next_attempt_at, d.next_attempt_at),
            {done_at} = COALESCE(v.done_at, d.{done_at})
        FROM json_to_recordset(CAST(:rows AS json))
            AS v(id varchar, was_attempts integer, lease_until timestamptz, status varchar,
                 attempts integer, last_attempt_at timestamptz, last_status integer,
                 last_error varchar, next_attempt_at timestamptz, done_at timestamptz)
        WHERE d.id = v.id AND d.status = 'pending' AND d.attempts = v.was_attempts
          AND d.next_attempt_at + interval '0 s' = v.lease_until
        RETURNING d.id""")
    params = {"rows": orjson.dumps([
        {"id": item.row["id"], "was_attempts": item.row["attempts"], "lease_until": item.until,
         "status": values.get("status", "pending"), "attempts": values["attempts"],
         "last_attempt_at": values["last_attempt_at"], "last_status": values["last_status"],
         "last_error": values["last_error"], "next_attempt_at": values.get("next_attempt_at"),
         "done_at": values.get(done_at)} for item, values in rows]).decode()}
    return set(conn.execute(stmt, params).scalars())


def send_batch(engine: Engine, kind: Kind, client: Client, *, limit: int,
               at: datetime | None = None, sender: Sender | None = None) -> list[str]:
    """One batch: claim, send in parallel, record. The outcome name of each message claimed
    (empty: nothing was due). `at` fixes the clock (tests step through the backoff with it);
    `sender` replaces client.post (tests)."""
    clock: Callable[[], datetime] = (lambda: at) if at is not None else now
    items = claim(engine, kind, clock(), lease_for(client), limit)
    return send_claimed(engine, kind, client, items, clock=clock, sender=sender)


def lease_for(client: Client) -> timedelta:
    """How long a claim holds its rows: LEASE_FACTOR send deadlines."""
    return timedelta(seconds=LEASE_FACTOR * client.deadline)


def send_claimed(engine: Engine, kind: Kind, client: Client, items: list[Item], *,
                 clock: Callable[[], datetime] = now, sender: Sender | None = None
                 ) -> list[str]:
    """Send items already leased to this sender (by `claim`, or inserted leased: webhooks'
    fan-out) in parallel, then record them in one transaction; each outcome name. At most
    SENDERS items, so the batch takes one deadline and stays inside its lease."""
    if not items:
        return []
    send = sender or client.post
    outcomes = list(_senders.map(lambda it: (attempt(kind.name, it, send), clock()), items))
    # One transaction records the whole batch (each row still fenced on its own lease): a
    # transaction per attempt was most of a batch's time.
    results = transact(engine, lambda conn: record_all(conn, kind, [
        (item, outcome, t) for item, (outcome, t) in zip(items, outcomes, strict=True)]))
    done = 0
    for item, (outcome, _), result in zip(items, outcomes, results, strict=True):
        # Never the secret or the body: the id, the outcome and the status. A message that
        # got through is a DEBUG line (a line per event was ~0.02 of the ~0.3 ms of CPU the
        # worker spends on it); the batch's count of them is INFO, anything else INFO per message.
        if result == kind.done:
            done += 1
            log.debug("%s %s: %s (%s)", kind.name, item.row["id"], result, outcome.status)
        else:
            log.info("%s %s: %s (%s)", kind.name, item.row["id"], result,
                     outcome.status or outcome.error)
    if done:
        log.info("%s: %d of %d %s", kind.name, done, len(items), kind.done)
    return results
