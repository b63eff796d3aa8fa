"""Hot statements: SQLAlchemy constructs compiled once per dialect and run on the driver's cursor.

Why: `Connection.execute` of a one-row INSERT costs ~170 µs of CPU on PostgreSQL, of which the
driver itself takes ~80 µs; the rest is SQLAlchemy's per-call machinery (cache key, parameter
processing, execution context, result set-up). Placing an order runs a dozen statements, so
that machinery was a third of the server's CPU per order (bench/README.md). The statements on
that path stay SQLAlchemy constructs — one definition for both databases, the column types'
bind and result processing (db/types.py) — but are compiled once per dialect here and run on
the DBAPI cursor, inside the caller's transaction.

What stays the same for callers: SQLAlchemy's cursor events fire (tests inject races with
them, bench/place_orders.py --count-sql counts statements with them), driver errors arrive as
SQLAlchemy's DBAPIError subclasses (db/tx.py retries a lost race, callers catch
IntegrityError), a bind processor's refusal arrives as a StatementError around it, and a
statement on a connection outside a transaction begins one (on SQLite the engine's "begin"
event takes the write lock first).

Only plain binds: an expanding IN, or a bind name the dialect must escape, is refused when
compiled — build those statements per size (see `sized`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.expression import Executable

from pesanan.db import merged, pipeline

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Bind:
    name: str  # as written in the SQL
    key: str  # as the caller passes it
    default: Any  # a literal in the construct (`.values(state="done")`), else _MISSING
    process: Processor
    make: Callable[[], Any] | None = None  # a column's Python-side default, made per row


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: bool
    binds: tuple[_Bind, ...]
    results: tuple[Processor, ...]  # one per result column; None: as the driver gives it

    def args(self, params: Mapping[str, Any]) -> Any:
        values = []
        for b in self.binds:
            v = params.get(b.key, b.default)
            if b.make is not None and b.key not in params:
                v = b.make()
            elif v is _MISSING:
                raise KeyError(f"hot statement: no value for parameter {b.key!r}")
            values.append(b.process(v) if b.process is not None and v is not None else v)
        if self.positional:
            return tuple(values)
        return {b.name: v for b, v in zip(self.binds, values, strict=True)}


class Hot:
    """One statement, compiled on first use per dialect; see the module docstring."""

    __slots__ = ("_plans", "clause", "columns")

    def __init__(self, clause: Executable, columns: Sequence[str] | None = None) -> None:
        """`columns`: for an INSERT or UPDATE whose values come with each call, the keys every
        call passes (SQLAlchemy compiles those per call from the parameters' keys); a column
        left out gets its Python-side default, as with `Connection.execute`."""
        self.clause = clause
        self.columns = tuple(columns) if columns is not None else None
        self._plans: dict[str, _Plan] = {}

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Run it once; returns the rows it changed (the driver's rowcount)."""
        return _run(conn, self._plan(conn.dialect), params or {}, fetch=False)[0]

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None
            ) -> list[tuple[Any, ...]]:
        """Run it once and return its rows (a SELECT, or RETURNING), result-processed."""
        return _run(conn, self._plan(conn.dialect), params or {}, fetch=True)[1]

    def send(self, conn: Connection, params: Mapping[str, Any] | None = None, *,
             expect: int | None = None, refuse: pipeline.Refusal | None = None,
             translate: pipeline.Translate | None = None) -> Pending:
        """Run it now, or queue it when the transaction is pipelined (db/pipeline.py): a
        statement whose result is only checked. Rows changed other than `expect` raise
        `refuse()`; a driver error on it is offered to `translate` (a domain error, or None to
        raise it as it is). Both happen when the queue goes out, not here. Its rows, if it
        returns any, are read with `.rows()` (which sends the queue first)."""
        plan = self._plan(conn.dialect)
        state = pipeline.current(conn)
        if state is None:
            try:
                changed, rows = _run(conn, plan, params or {}, fetch=True)
            except DBAPIError as exc:
                refused = translate(exc) if translate is not None else None
                if refused is not None:
                    raise refused from None
                raise
            if expect is not None and changed != expect and refuse is not None:
                raise refuse()
            return Pending(conn, plan, rows)
        if merged.mergeable(plan.sql, expect):
            # A plain INSERT, or a checked UPDATE: merged with the writes around it into one
            # statement (db/merged.py).
            merged.collect(conn, state, merged.Item(plan.sql, plan_args(plan, params or {}),
                                                    expect, refuse), translate)
            return Pending(conn, plan, [])
        pending = Pending(conn, plan, None)
        pipeline.queue(state, _queue(conn, plan, params or {}), expect, refuse, translate,
                       pending=pending)
        return pending

    def sendmany(self, conn: Connection, rows: Sequence[Mapping[str, Any]], *,
                 expect: int | None = None, refuse: pipeline.Refusal | None = None) -> None:
        """`send` once per parameter set; `expect`: the rows changed by all of them."""
        plan = self._plan(conn.dialect)
        state = pipeline.current(conn)
        if state is not None and len(rows) == 1:  # one statement: it may merge (send)
            self.send(conn, rows[0], expect=expect, refuse=refuse)
            return
        if state is None:
            changed = _run_many(conn, plan, rows)
            if expect is not None and changed != expect and refuse is not None:
                raise refuse()
            return
        cursors = [_queue(conn, plan, r) for r in rows]
        pipeline.queue(state, None, expect, refuse, None, many=cursors)

    def autocommit(self, conn: Connection, params: Mapping[str, Any] | None = None
                   ) -> list[tuple[Any, ...]]:
        """Run it as a transaction of its own, committed at once, on a connection with none
        open; returns its rows. One round trip on PostgreSQL where a transaction costs three
        (BEGIN, the statement, COMMIT): for a single statement that must be visible to others
        before the caller goes on (an idempotency claim)."""
        if conn.in_transaction():
            raise RuntimeError("hot statement: autocommit inside a transaction")
        dbapi_conn: Any = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite":
            # pysqlite runs with isolation_level None (db/engine.py): a statement outside a
            # BEGIN is its own transaction.
            return _exec(conn, dbapi_conn, self._plan(conn.dialect), params or {}, True)[1]
        dbapi_conn.autocommit = True  # psycopg: a client-side switch while idle
        try:
            return _exec(conn, dbapi_conn, self._plan(conn.dialect), params or {}, True)[1]
        finally:
            dbapi_conn.autocommit = False

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run it once per parameter set in one driver call (psycopg pipelines them: one round
        trip); returns the rows changed in all."""
        plan = self._plan(conn.dialect)
        return _run_many(conn, plan, rows)

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _compile(self.clause, self.columns, dialect)
        return plan


def _compile(clause: Executable, columns: tuple[str, ...] | None, dialect: Dialect) -> _Plan:
    compiled = clause.compile(dialect=dialect,  # type: ignore[attr-defined]
                              column_keys=list(columns) if columns is not None else None)
    if getattr(compiled, "escaped_bind_names", None):
        raise ValueError("hot statement: bind names must not need escaping")
    # Columns whose Python-side default SQLAlchemy computes at execution ("prefetch").
    made: dict[str, Callable[[], Any]] = {}
    for col in compiled.insert_prefetch:
        made[col.key] = _default_maker(col, col.default)
    for col in compiled.update_prefetch:
        made[col.key] = _default_maker(col, col.onupdate)
    by_name = {name: bp for bp, name in compiled.bind_names.items()}
    names = list(compiled.positiontup) if compiled.positional else list(by_name)
    binds = []
    for name in names:
        bp = by_name[name]
        if bp.expanding:
            raise ValueError("hot statement: no expanding IN; build one statement per size")
        default = _MISSING if bp.required else bp.effective_value
        process = bp.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append(_Bind(name, bp.key, default, process, made.get(bp.key)))
    results: tuple[Processor, ...] = ()
    # A SELECT's columns, or an INSERT/UPDATE's RETURNING columns (empty without RETURNING).
    returned = getattr(clause, "exported_columns", None)
    if returned is not None:
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                        for c in returned)
    return _Plan(compiled.string, bool(compiled.positional), tuple(binds), results)


def _default_maker(col: Any, default: Any) -> Callable[[], Any]:
    if default is None or not (default.is_scalar or default.is_callable):
        raise ValueError(f"hot statement: column {col.key!r} needs a value")
    if default.is_scalar:
        value = default.arg
        return lambda: value
    fn = default.arg  # SQLAlchemy wraps a no-argument function to take the context
    return lambda: fn(None)


class Pending:
    """A sent statement's rows, result-processed; in a pipeline they arrive with the queue."""

    __slots__ = ("_conn", "_plan", "_rows")

    def __init__(self, conn: Connection, plan: _Plan, rows: list[tuple[Any, ...]] | None
                 ) -> None:
        self._conn, self._plan, self._rows = conn, plan, rows

    def rows(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            state = pipeline.current(self._conn)
            if state is None:
                raise RuntimeError("hot statement: its pipeline ended before its rows came")
            pipeline.sync(self._conn, state)
        assert self._rows is not None
        return self._rows

    def take(self, cursor: Any) -> None:
        """db/pipeline.py: the statement's result has arrived on `cursor`."""
        self._rows = _processed(self._plan, cursor.fetchall()
                                if cursor.description is not None else [])


def _processed(plan: _Plan, rows: list[Any]) -> list[tuple[Any, ...]]:
    if rows and any(plan.results):
        return [tuple(p(v) if p is not None else v for p, v in zip(plan.results, row,
                                                                   strict=True))
                for row in rows]
    return rows


def plan_args(plan: _Plan, params: Mapping[str, Any]) -> Any:
    try:
        return plan.args(params)
    except Exception as exc:  # a bind processor refused a value: as SQLAlchemy reports it
        raise StatementError(str(exc), plan.sql, params, exc) from exc


def _queue(conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
    """Put the statement on the pipeline's queue; returns its cursor (results come later)."""
    args = plan_args(plan, params)
    state = pipeline.current(conn)
    if state is not None:
        pipeline.driver(conn, state)
        if state.merging:  # the writes merged so far go first, in order
            merged.flush(conn, state)
    return queue_sql(conn, plan.sql, args)


def queue_sql(conn: Connection, sql: str, args: Any) -> Any:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if conn.dispatch.before_cursor_execute:
        conn.dispatch.before_cursor_execute(conn, cursor, sql, args, None, False)
    try:
        cursor.execute(sql, args)
    except conn.dialect.loaded_dbapi.Error as exc:
        cursor.close()
        raise wrap_error(conn, exc, sql, args, cursor) from exc
    if conn.dispatch.after_cursor_execute:
        conn.dispatch.after_cursor_execute(conn, cursor, sql, args, None, False)
    return cursor


def _begin(conn: Connection) -> Any:
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.dbapi_connection


def _run(conn: Connection, plan: _Plan, params: Mapping[str, Any],
         fetch: bool) -> tuple[int, list[tuple[Any, ...]]]:
    return _exec(conn, _begin(conn), plan, params, fetch)


def _exec(conn: Connection, dbapi_conn: Any, plan: _Plan, params: Any, fetch: bool,
          many: bool = False) -> tuple[int, list[tuple[Any, ...]]]:
    """Run `plan` once with `params` (a mapping), or once per mapping in `params` (`many`)."""
    state = pipeline.current(conn)
    if state is not None and state.lazy and not _reads_only(plan.sql):
        pipeline.begin(conn, state)  # a write, or a read that locks: inside the transaction
    # Its result is wanted now: queued behind what was sent, and the queue sent. Nothing
    # queued yet (a command's first read): it runs as outside a pipeline, one message.
    if state is not None and (state.pipeline is not None or state.merging):
        cursors = [_queue(conn, plan, p) for p in params] if many else [_queue(conn, plan, params)]
        try:
            pipeline.sync(conn, state)
            last = cursors[-1]
            rows = last.fetchall() if fetch and last.description is not None else []
            return sum(int(c.rowcount) for c in cursors), _processed(plan, rows)
        finally:
            for c in cursors:
                c.close()
    try:
        args = [plan.args(p) for p in params] if many else plan.args(params)
    except Exception as exc:  # a bind processor refused a value: as SQLAlchemy reports it
        raise StatementError(str(exc), plan.sql, params, exc) from exc
    cursor = dbapi_conn.cursor()
    try:
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, plan.sql, args, None, many)
        try:
            if many:
                cursor.executemany(plan.sql, args)
            else:
                cursor.execute(plan.sql, args)
            rows = cursor.fetchall() if fetch and cursor.description is not None else []
        except conn.dialect.loaded_dbapi.Error as exc:
            raise wrap_error(conn, exc, plan.sql, args, cursor) from exc
        if conn.dispatch.after_cursor_execute:
            conn.dispatch.after_cursor_execute(conn, cursor, plan.sql, args, None, many)
        return int(cursor.rowcount), _processed(plan, rows)
    finally:
        cursor.close()


def _reads_only(sql: str) -> bool:
    """A SELECT that locks nothing (a sequence's nextval is outside any transaction anyway)."""
    return sql.startswith("SELECT ") and " FOR " not in sql


def _run_many(conn: Connection, plan: _Plan, rows: Sequence[Mapping[str, Any]]) -> int:
    return _exec(conn, _begin(conn), plan, rows, fetch=False, many=True)[0]


def wrap_error(conn: Connection, exc: Exception, sql: str, args: Any, cursor: Any) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it (IntegrityError, OperationalError, …), and a
    dropped connection invalidated so the pool does not hand it out again."""
    dialect = conn.dialect
    lost = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)  # type: ignore[arg-type]
    if lost:
        conn.invalidate(exc)
    wrapped = DBAPIError.instance(sql, args, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect)
    return cast(DBAPIError, wrapped)
