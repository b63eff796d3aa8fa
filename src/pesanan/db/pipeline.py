"""A command's writes sent together: PostgreSQL's pipeline mode, for statements whose results
are needed only before COMMIT.

Why: placing an order ran twelve round trips (the claim, BEGIN, the read, eight writes, the
stored answer, COMMIT), each a wait with the stock rows locked, and the writes' results (rows
changed) are only checked, never used to decide the next statement. Now an order takes three:
the claim, the read, all the writes as one statement (db/merged.py; no BEGIN and no COMMIT,
see below). The CPU came from sending fewer statements and messages (bench/README.md, issue 13).

How: a command opens the pipeline (`open`) inside its transaction, before its first write.
`Hot.send` then queues a statement with what its result must be (`expect`: rows changed, else
`refuse()` is raised) and how a driver error on it reads (`translate`: e.g. a foreign key
named as a field error). Writes that merge (db/merged.py) are only collected; the first
statement that does not merge enters the driver's pipeline mode, where the collected writes go
first as one statement. The queue goes out, and the expectations are checked, when a result
is needed (`Hot.all`, `Hot.execute`, `Pending.rows`), before any other SQLAlchemy statement on
the connection (so everything else runs as it always did, after the queued writes), and before
COMMIT (`settle`, from db/tx.py and, as a safety net, the engine's "commit" event). A rollback
abandons it. A driver error surfaces at that point instead of at its statement; callers that
must catch one at its statement use `Hot.execute`, which waits for its result.

When every write merged (an ordinary order: stock, order, lines, reservations, timeline,
event, the stored answer), the driver's pipeline mode is never entered: the one statement goes
out as any statement does, one message and one round trip. Pipeline mode would send it, then a
Sync, then a flush request, each a system call of its own (strace: 9 sends an order, 5 now).

And then no BEGIN and no COMMIT either (`open` on a connection with nothing begun): one
statement is a transaction of its own, so the command's reads before it run on their own
(autocommit) and the statement carries its checks itself — it fails, and so changes nothing,
when a count is not what was expected (db/merged.py), and the failure is raised as that
check's refusal. Under READ COMMITTED every statement reads its own snapshot anyway, and these
reads lock nothing, so reading outside the transaction sees what reading inside it would. The
moment anything else is sent — an ordinary statement, a write that does not merge, a write whose
result is wanted at once, a read that locks — the transaction begins for real first (`begin`)
and everything after runs inside it as before. Two round trips less an order.

SQLite has no pipeline (and no round trips: the file is in-process): `open` does nothing and
`send` runs the statement at once and checks it there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from pesanan.db import merged

log = logging.getLogger("pesanan.db")
_IDLE = 0  # libpq's PQTRANS_IDLE (psycopg.pq.TransactionStatus.IDLE)
_KEY = "pesanan.pipeline"
_RESUME = "pesanan.pipeline.resume"  # settled for an ordinary statement: reopen after it

Refusal = Callable[[], Exception]
Translate = Callable[[DBAPIError], Exception | None]


@dataclass(slots=True)
class _Check:
    cursor: Any
    expect: int | None
    refuse: Refusal | None
    many: list[Any] | None = None  # sendmany: one cursor per parameter set, rows summed
    pending: Any = None  # a Hot.send's Pending, which takes its rows when they arrive
    counted: list[Any] | None = None  # db/merged.py: the checked writes of a merged statement


@dataclass(slots=True)
class State:
    context: Any = None  # the driver's pipeline() context manager, once entered (`driver`)
    pipeline: Any = None
    checks: list[_Check] = field(default_factory=list)
    translate: list[Translate] = field(default_factory=list)
    merging: list[merged.Item] = field(default_factory=list)  # collected, not yet sent
    lazy: bool = False  # nothing begun yet: the driver is in autocommit until `begin`


def open(conn: Connection) -> None:
    """Send this transaction's statements together from here on (PostgreSQL)."""
    if conn.dialect.name != "postgresql" or _KEY in conn.info:
        return
    if not conn.in_transaction():
        conn.begin()
    dbapi: Any = conn.connection.dbapi_connection
    lazy = not dbapi.autocommit and dbapi.pgconn.transaction_status == _IDLE
    if lazy:
        dbapi.autocommit = True  # a client-side switch while idle: no round trip
    conn.info[_KEY] = State(lazy=lazy)


def begin(conn: Connection, state: State) -> None:
    """From here on, the command runs in a transaction on the server (psycopg sends BEGIN
    before the next statement), as it would have without `lazy`."""
    if state.lazy:
        state.lazy = False
        conn.connection.dbapi_connection.autocommit = False  # type: ignore[union-attr]


def _unlazy(conn: Connection, state: State) -> None:
    """The command is over (committed or rolled back): the driver as it was."""
    if state.lazy:
        state.lazy = False
        dbapi: Any = conn.connection.dbapi_connection
        if dbapi is not None and not dbapi.closed:
            dbapi.autocommit = False


def driver(conn: Connection, state: State) -> None:
    """Enter the driver's pipeline mode: a statement that does not merge is queued."""
    begin(conn, state)
    if state.pipeline is None:
        state.context = conn.connection.dbapi_connection.pipeline()  # type: ignore[union-attr]
        state.pipeline = state.context.__enter__()


def current(conn: Connection) -> State | None:
    return conn.info.get(_KEY)


def queue(state: State, cursor: Any, expect: int | None, refuse: Refusal | None,
          translate: Translate | None, many: list[Any] | None = None,
          pending: Any = None, counted: list[Any] | None = None) -> None:
    state.checks.append(_Check(cursor, expect, refuse, many, pending, counted))
    if translate is not None and translate not in state.translate:
        state.translate.append(translate)


def sync(conn: Connection, state: State) -> None:
    """Send what is queued and wait for every result; then check them."""
    if state.pipeline is None:
        if state.merging:
            _direct(conn, state)
        return
    if state.merging:
        merged.flush(conn, state)
    _deliver(conn, state, state.pipeline.sync)
    _check(state)


def settle(conn: Connection) -> None:
    """Leave pipeline mode with every queued statement done and checked: before COMMIT, and
    before a statement that does not go through Hot. One round trip (the driver's Sync)."""
    state = conn.info.get(_KEY)
    if state is None:
        return
    del conn.info[_KEY]
    if state.pipeline is None:  # everything merged, or nothing was sent
        try:
            if state.merging:
                _direct(conn, state)
        finally:
            _unlazy(conn, state)
        return
    if state.merging:
        merged.flush(conn, state)
    _deliver(conn, state, lambda: state.context.__exit__(None, None, None))
    _check(state)


def _direct(conn: Connection, state: State) -> None:
    """The collected writes as one statement, outside pipeline mode, checked at once."""
    from pesanan.db.hot import queue_sql  # hot imports this module

    atomic = state.lazy  # one statement, a transaction of its own: it checks itself
    sql, args, checked = merged.take(state, atomic=atomic)
    try:
        cursor = queue_sql(conn, sql, args)
    except DBAPIError as exc:
        refused = merged.refusal(exc, checked) if atomic else None
        if refused is not None:
            raise refused from None
        for translate in state.translate:
            refused = translate(exc)
            if refused is not None:
                raise refused from None
        raise
    state.checks.append(_Check(cursor, None, None, counted=None if atomic else checked))
    _check(state)


def abandon(conn: Connection) -> None:
    """The transaction rolls back: leave pipeline mode, whatever the queue held."""
    state = conn.info.pop(_KEY, None)
    if state is not None:
        _unlazy(conn, state)
        if state.pipeline is not None:
            _leave(state)


def _leave(state: State) -> None:
    try:
        # An exception passed in makes the driver log a failed Sync instead of raising it.
        state.context.__exit__(RuntimeError, RuntimeError("rolled back"), None)
    except Exception:  # the connection is gone; the pool discards it
        log.debug("leaving pipeline mode on rollback failed", exc_info=True)
    _close(state)


def install(engine: Engine) -> None:
    """Settle before any statement that is not a Hot one and before COMMIT; abandon on
    rollback (PostgreSQL engines)."""
    # An invalidated connection (the database went away) has no info to ask: its driver
    # connection is discarded, pipeline and all.
    # An ordinary statement runs outside the pipeline, after what was queued; the pipeline
    # then resumes, so the writes after it still go out (and merge) together.
    @event.listens_for(engine, "before_execute")
    def _before_execute(conn: Connection, *_: Any) -> None:
        if not conn.invalidated and _KEY in conn.info:
            begin(conn, conn.info[_KEY])  # it and what was collected: in the transaction
            settle(conn)
            conn.info[_RESUME] = True

    @event.listens_for(engine, "after_execute")
    def _after_execute(conn: Connection, *_: Any) -> None:
        if not conn.invalidated and conn.info.pop(_RESUME, False):
            open(conn)

    @event.listens_for(engine, "commit")
    def _before_commit(conn: Connection) -> None:
        if not conn.invalidated:
            conn.info.pop(_RESUME, None)
            if _KEY in conn.info:
                settle(conn)

    @event.listens_for(engine, "rollback")
    def _before_rollback(conn: Connection) -> None:
        if not conn.invalidated:
            conn.info.pop(_RESUME, None)
            if _KEY in conn.info:
                abandon(conn)

    # conn.info belongs to the pooled connection: a pipeline must never outlive its checkout.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        state = record.info.pop(_KEY, None) if record.info else None
        if state is not None and state.lazy and not _dbapi_conn.closed:
            _dbapi_conn.autocommit = False
        if state is not None and state.pipeline is not None:
            log.warning("a pipeline was left open until its connection went back to the pool")
            _leave(state)


def _deliver(conn: Connection, state: State, send: Callable[[], None]) -> None:
    from pesanan.db.hot import wrap_error  # hot imports this module

    try:
        send()
    except conn.dialect.loaded_dbapi.Error as exc:
        _close(state)
        wrapped = wrap_error(conn, exc, "(pipelined statements)", None, None)
        for translate in state.translate:
            refused = translate(wrapped)
            if refused is not None:
                raise refused from None
        raise wrapped from exc


def _check(state: State) -> None:
    checks, state.checks = state.checks, []
    try:
        for c in checks:
            if c.pending is not None:
                c.pending.take(c.cursor)
            if c.counted:
                _check_counted(c)
                continue
            if c.expect is None:
                continue
            got = sum(x.rowcount for x in c.many) if c.many is not None else c.cursor.rowcount
            if got != c.expect and c.refuse is not None:
                raise c.refuse()
    finally:
        for c in checks:
            for cur in c.many or (c.cursor,):
                cur.close()


def _check_counted(c: _Check) -> None:
    """A merged statement's checked writes: each its count of the SELECT (db/merged.py), or,
    a checked write alone, the statement's rows changed."""
    assert c.counted is not None
    counts = c.cursor.fetchone() if c.cursor.description is not None else (c.cursor.rowcount,)
    for item, got in zip(c.counted, counts, strict=True):
        if got != item.expect and item.refuse is not None:
            raise item.refuse()


def _close(state: State) -> None:
    for c in state.checks:
        for cur in c.many or (c.cursor,):
            cur.close()
    state.checks = []
