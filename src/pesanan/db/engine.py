"""Engines. SQLite runs with one writer connection (concurrent BEGIN IMMEDIATE writers time out
under load), WAL and foreign keys; PostgreSQL with a small pool (a few connections per core)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event

from pesanan.db import pipeline


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, pool_size: int = 4, overflow: int = 2, *, readonly: bool = False,
                timeout: float = 30.0) -> Engine:
    """`readonly` matters for SQLite only: readers get their own pool of `pool_size` and
    deferred transactions (WAL lets them read while the one writer writes); the writer is always
    one connection. `timeout`: seconds to wait for a pooled connection."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, readonly, pool_size, timeout)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=overflow,
        pool_pre_ping=False,
        pool_timeout=timeout,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
    pipeline.install(engine)
    _cache_long_statements()
    return engine


def _cache_long_statements() -> None:
    """psycopg parses a statement's placeholders in Python and caches the result only for
    statements under 4 KB with at most 50 parameters; an order's merged INSERT (db/merged.py)
    has ~130 and was parsed afresh on every order (~6 % of the command's CPU in a py-spy
    profile, bench/README.md). Ours are a few dozen shapes, all built once, so caching them
    costs a few hundred KB. Private module settings: if a psycopg release renames them this
    does nothing, and statements are parsed as before."""
    from psycopg import _queries

    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < 1000:
        _queries.MAX_CACHED_STATEMENT_PARAMS = 1000
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 0) < 32768:
        _queries.MAX_CACHED_STATEMENT_LENGTH = 32768


def _sqlite_engine(url: str, readonly: bool, pool_size: int, timeout: float) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size if readonly else 1,
        max_overflow=0,
        pool_timeout=timeout,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if readonly:
            conn.exec_driver_sql("BEGIN")
            return
        # Take the write lock up front: a deferred transaction that reads and then writes can
        # fail with SQLITE_BUSY instead of waiting, when another process (worker) writes.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
