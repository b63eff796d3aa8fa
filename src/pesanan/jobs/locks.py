"""Locking, as one named concept: the scheduled job a worker claims.

A due job is taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL: a second worker skips the row
another is claiming instead of waiting on it, and then sees the lease set and leaves it alone.
SQLite has a single writer, so the claim's transaction alone makes it one worker's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from pesanan.jobs.models import scheduled_job

c = scheduled_job.c


def due_job(conn: Connection, at: datetime, names: Iterable[str]) -> dict[str, Any] | None:
    """The enabled job among `names` that is due at `at` and not being run, locked: its time
    has come and no lease is held, or its lease ran out (a run cut short, retried now)."""
    stmt = (select(scheduled_job)
            .where(c.name.in_(sorted(names)), c.enabled.is_(True),
                   or_(and_(c.lease_until.is_(None), c.next_run_at <= at), c.lease_until <= at))
            .order_by(c.next_run_at, c.name).limit(1))
    return _locked(conn, stmt)


def free_job(conn: Connection, name: str, at: datetime) -> dict[str, Any] | None:
    """Job `name` if no live lease holds it (enabled or not: an operator's "run now"),
    locked."""
    stmt = select(scheduled_job).where(c.name == name,
                                       or_(c.lease_until.is_(None), c.lease_until <= at))
    return _locked(conn, stmt)


def job_row(conn: Connection, name: str) -> dict[str, Any] | None:
    """Job `name` locked for an operator's change (waits for a claim in progress)."""
    stmt = select(scheduled_job).where(c.name == name)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def _locked(conn: Connection, stmt: Any) -> dict[str, Any] | None:
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two workers never claim one row
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)
