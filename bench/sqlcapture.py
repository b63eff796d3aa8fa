"""What Pesanan really sends to PostgreSQL for one request, captured at the driver (psycopg).

The hooks sit on psycopg's Cursor and Connection, under SQLAlchemy, so they see the statements
whatever builds them (SQLAlchemy Core, raw driver SQL, a pipeline) and the transaction
boundaries as the server sees them: psycopg sends BEGIN before the first statement outside
autocommit, COMMIT/ROLLBACK when asked and a transaction is open (a pool's reset of an idle
connection sends nothing, so it is not recorded). bench/rawsql.py turns a capture into a
pgbench script; bench/place_orders.py --count-sql counts it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq


@dataclass
class Step:
    """One thing a connection did. kind: begin, exec, commit, rollback, pipeline, sync.
    `params` is a dict or a sequence for exec; `many` holds executemany's parameter sets
    (psycopg sends those in one pipeline: one round trip)."""

    kind: str
    conn: int
    sql: str = ""
    params: Any = None
    many: list[Any] | None = None


@dataclass
class Capture:
    steps: list[Step] = field(default_factory=list)
    on: bool = False


def round_trips(steps: list[Step]) -> int:
    """BEGIN, each statement or executemany, COMMIT/ROLLBACK; inside an explicit pipeline only
    a Pipeline.sync() ("flush"), its end (the sync) and a BEGIN wait (psycopg syncs the
    pipeline after the BEGIN it sends, Connection._start_query)."""
    trips, depth = 0, 0
    for s in steps:
        if s.kind == "pipeline":
            depth += 1
        elif s.kind == "begin":  # alone, or in a pipeline: psycopg syncs after it either way
            trips += 1
        elif s.kind == "flush":
            trips += depth > 0
        elif s.kind == "sync":
            depth -= 1
            trips += depth == 0
        elif depth == 0:
            trips += 1
    return trips


def _text(query: Any, conn: psycopg.Connection[Any]) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode()
    return str(query.as_string(conn))


@contextlib.contextmanager
def driver_capture() -> Iterator[Capture]:
    """Patch psycopg for the duration; record only while `capture.on` is true."""
    cap = Capture()
    cur_exec, cur_many = psycopg.Cursor.execute, psycopg.Cursor.executemany
    commit, rollback, pipeline = (psycopg.Connection.commit, psycopg.Connection.rollback,
                                  psycopg.Connection.pipeline)
    quiet = [0]  # inside executemany: its own pipeline is part of the one step

    def opening(conn: psycopg.Connection[Any]) -> None:
        # psycopg sends BEGIN itself before the first statement of a transaction.
        if not conn.autocommit and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            cap.steps.append(Step("begin", id(conn)))

    def execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kw: Any) -> Any:
        if cap.on and not quiet[0]:
            opening(self.connection)
            cap.steps.append(Step("exec", id(self.connection), _text(query, self.connection),
                                  params))
        return cur_exec(self, query, params, **kw)

    def executemany(self: psycopg.Cursor[Any], query: Any, params_seq: Any, **kw: Any) -> Any:
        params_seq = list(params_seq)
        if cap.on and not quiet[0]:
            opening(self.connection)
            cap.steps.append(Step("exec", id(self.connection), _text(query, self.connection),
                                  many=params_seq))
        quiet[0] += 1
        try:
            return cur_many(self, query, params_seq, **kw)
        finally:
            quiet[0] -= 1

    def ending(kind: str, orig: Any) -> Any:
        def end(self: psycopg.Connection[Any]) -> Any:
            if cap.on and self.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                cap.steps.append(Step(kind, id(self)))
            return orig(self)
        return end

    @contextlib.contextmanager
    def in_pipeline(self: psycopg.Connection[Any]) -> Iterator[Any]:
        record = cap.on and not quiet[0]
        if record:
            cap.steps.append(Step("pipeline", id(self)))
        try:
            with pipeline(self) as p:
                yield p
        finally:
            if record:
                cap.steps.append(Step("sync", id(self)))

    flush = psycopg.Pipeline.sync

    def flushing(self: psycopg.Pipeline) -> None:
        if cap.on and not quiet[0]:
            cap.steps.append(Step("flush", id(self)))
        return flush(self)

    patches: dict[str, Any] = {"execute": execute, "executemany": executemany}
    for name, fn in patches.items():
        setattr(psycopg.Cursor, name, fn)
    psycopg.Connection.commit = ending("commit", commit)  # type: ignore[method-assign]
    psycopg.Connection.rollback = ending("rollback", rollback)  # type: ignore[method-assign]
    psycopg.Connection.pipeline = in_pipeline  # type: ignore[method-assign]
    psycopg.Pipeline.sync = flushing  # type: ignore[method-assign]
    try:
        yield cap
    finally:
        psycopg.Cursor.execute = cur_exec  # type: ignore[method-assign]
        psycopg.Cursor.executemany = cur_many  # type: ignore[method-assign]
        psycopg.Connection.commit = commit  # type: ignore[method-assign]
        psycopg.Connection.rollback = rollback  # type: ignore[method-assign]
        psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign]
        psycopg.Pipeline.sync = flush  # type: ignore[method-assign]


@contextlib.contextmanager
def recording(cap: Capture) -> Iterator[list[Step]]:
    """Record the steps of the block into a fresh list (the capture keeps patching)."""
    start = len(cap.steps)
    cap.on = True
    out: list[Step] = []
    try:
        yield out
    finally:
        cap.on = False
        out.extend(cap.steps[start:])
        del cap.steps[start:]
