"""Readiness: may this process take traffic? Yes when the database answers and its schema is at
the migrations' head. A process whose code is newer than the schema (a rollout that ran before
`pesanan db upgrade`) would fail on the first missing column, so it says so instead.

A schema newer than the code (a revision these scripts do not know) is ready: that is every
old process of a rolling deploy once `pesanan db upgrade` has run, and taking them all out of
the load balancer at that moment would be an outage. Migrations are written so the release
before them still runs on them (README, "Deployment").

Polled every few seconds by every load balancer, so it costs one small connection-pool query:
the head is read from the migration scripts once per process (they ship with the code and
cannot change under it), the database's revision on every call (it can).
"""

from __future__ import annotations

import logging
from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from pesanan.db.migrate import alembic_config

log = logging.getLogger("pesanan.telemetry")
VERSION_TABLE = "alembic_version"  # alembic's default; migrations/env.py keeps it


@lru_cache(maxsize=1)
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return (frozenset(script.get_heads()),
            frozenset(r.revision for r in script.walk_revisions()))


def script_heads() -> frozenset[str]:
    """The revisions the code expects (one head; a set so a branch shows as a mismatch)."""
    return _scripts()[0]


def _applied(conn: Connection) -> frozenset[str]:
    # Read directly: alembic's MigrationContext logs two INFO lines each time it is made,
    # which at one poll every few seconds per balancer would be most of the log.
    if not inspect(conn).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def problems(engine: Engine) -> dict[str, str]:
    """What keeps this process from being ready, by check ({} = ready)."""
    try:
        with engine.connect() as conn:
            current = _applied(conn)
    except SQLAlchemyError as exc:
        # The detail (host, port, driver message) goes to the log, not to an open endpoint.
        log.warning("readyz: the database did not answer: %s", exc)
        return {"database": f"the database did not answer ({type(exc).__name__})"}
    expected, known = _scripts()
    if current != expected and current <= known:  # behind (or none applied): not ready
        have = ", ".join(sorted(current)) or "none (no migrations applied)"
        return {"migrations": f"the schema is at {have}; this code needs "
                              f"{', '.join(sorted(expected))}: run `pesanan db upgrade`"}
    return {}
