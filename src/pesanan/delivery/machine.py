"""The one delivery machinery: claim due messages with a lease, send them over a few kept
connections per origin through the one outbound client (pesanan/outbound: SSRF-checked after
DNS, no redirects, a total deadline, a capped answer) outside any transaction, and record every
attempt fenced on the lease. Webhooks (webhooks/deliver.py) and the 3PL dispatch
(fulfillment/dispatch.py) are two `Kind`s of it: each says which rows are due, how a message
looks and what an outcome means beyond the row itself; the loop, the lease, the fence, the
attempt log and the backoff (backoff.py) are the same for both.

- Claim: one short transaction takes up to `limit` due rows (the kind's `due`, locked: SKIP
  LOCKED on PostgreSQL) and pushes each one's next attempt to the end of a lease the send
  cannot outlast (LEASE_FACTOR deadlines). A crashed sender's lease runs out and the row is
  sent again, never lost; the same message (the kind keeps its id stable), so a receiver can
  tell a repeat.
- Send: the batch goes out per origin over at most PER_ORIGIN kept connections at once, each
  carrying one message after another (different origins side by side), so a thread hand-off
  is per connection, not per message. No message starts after START_WITHIN of a deadline
  from the batch's start, so the batch ends within 1.5 deadlines, inside its lease, however
  slow the receiver; one not started by then is released (due again at once, its attempt
  count unchanged: nothing was tried). A send never raises: every failure is the message's
  own.
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
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection, Engine, Table, text, update

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.delivery import backoff
from pesanan.outbound import Answer, Client, OutboundError

# A batch's connections per origin, each sending its messages one after another. Not a thread
# per message: with 64 sent at once to one endpoint, the hand-offs to the pool, the threads
# waking for each answer and taking the GIL from each other cost more of the worker's CPU
# than the sends (py-spy: ~20 % of it, and system time). A few connections keep a slow
# receiver from taking one round trip per message in a row.
PER_ORIGIN = 2
# No message of a batch starts later than this share of a deadline after the batch began:
# with one message's deadline after it, the sends end within 1.5 deadlines of the claim, and
# the lease (LEASE_FACTOR deadlines) still has room for the two transactions.
START_WITHIN = 0.5
# The connections of every batch, of every kind, in this process, past each batch's first
# (which the calling lane drives itself): threads kept, not made per batch (starting them was
# 15 % of a batch's time). Room for every kind's batches side by side to several origins.
SENDERS = 64
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
    """One batch: claim, send (send_claimed), record. The outcome name of each message claimed
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
    fan-out), then record them in one transaction; each outcome name ("released": not
    started within START_WITHIN of a deadline, due again at once)."""
    if not items:
        return []
    sent = _send_all(kind.name, items, sender or client.post, clock,
                     time.monotonic() + START_WITHIN * client.deadline)
    # One transaction records the whole batch (each row still fenced on its own lease): a
    # transaction per attempt was most of a batch's time.
    tried = [(item, got[0], got[1]) for item, got in zip(items, sent, strict=True)
             if got is not None]
    left = [item for item, got in zip(items, sent, strict=True) if got is None]

    def write(conn: Connection) -> list[str]:
        names = iter(record_all(conn, kind, tried))
        if left:
            _release(conn, kind, left, clock())
        return [next(names) if got is not None else "released" for got in sent]
    results = transact(engine, write)
    _log_batch(kind, items, sent, results)
    return results


def _lanes(items: list[Item]) -> list[deque[int]]:
    """The batch's items (by index) per connection: per origin (scheme and host:port) one
    queue shared by up to PER_ORIGIN connections; a message that needs no request (a refusal)
    goes with the first queue."""
    by_origin: dict[tuple[str, str], deque[int]] = {}
    for i, item in enumerate(items):
        parts = urlsplit(item.url or "")
        by_origin.setdefault((parts.scheme, parts.netloc.lower()) if item.refusal is None
                             else ("", ""), deque()).append(i)
    lanes: list[deque[int]] = []
    for queue in by_origin.values():
        lanes += [queue] * min(PER_ORIGIN, len(queue))
    return lanes


def _send_all(kind_name: str, items: list[Item], send: Sender,
              clock: Callable[[], datetime], start_by: float
              ) -> list[tuple[Outcome, datetime] | None]:
    """Each item's outcome and when it came, or None where it was not started by `start_by`
    (time.monotonic()). Each connection takes the next message of its origin's queue when its
    last one is answered (a deque's popleft is atomic), so a slow answer holds up its own
    connection only."""
    sent: list[tuple[Outcome, datetime] | None] = [None] * len(items)

    def drive(queue: deque[int]) -> None:
        while time.monotonic() < start_by:
            try:
                i = queue.popleft()
            except IndexError:
                return
            sent[i] = (attempt(kind_name, items[i], send), clock())
    lanes = _lanes(items)
    others = [_senders.submit(drive, queue) for queue in lanes[1:]]
    drive(lanes[0])  # the first connection on the calling thread: no hand-off for it
    for other in others:
        other.result()  # drive never raises (attempt does not)
    return sent


def _release(conn: Connection, kind: Kind, items: list[Item], at: datetime) -> None:
    """Items leased but never started: due again at `at`, their attempt count unchanged,
    each only while its lease is still ours (rare: a statement each)."""
    t = kind.rows
    for item in items:
        conn.execute(update(t).where(
            t.c.id == item.row["id"], t.c.status == "pending",
            t.c.attempts == item.row["attempts"], t.c.next_attempt_at == item.until)
            .values(next_attempt_at=at))


def _log_batch(kind: Kind, items: list[Item], sent: list[tuple[Outcome, datetime] | None],
               results: list[str]) -> None:
    done = 0
    for item, got, result in zip(items, sent, results, strict=True):
        # Never the secret or the body: the id, the outcome and the status. A message that
        # got through is a DEBUG line (a line per event was ~0.02 of the ~0.3 ms of CPU the
        # worker spends on it); the batch's count of them is INFO, anything else INFO per message.
        if result == kind.done:
            done += 1
            log.debug("%s %s: %s (%s)", kind.name, item.row["id"], result, got and got[0].status)
        elif got is None:
            log.info("%s %s: released, not started in time", kind.name, item.row["id"])
        else:
            log.info("%s %s: %s (%s)", kind.name, item.row["id"], result,
                     got[0].status or got[0].error)
    if done:
        log.info("%s: %d of %d %s", kind.name, done, len(items), kind.done)
