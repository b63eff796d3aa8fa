"""Test databases: one SQLite file and one PostgreSQL database per test process, each built by
running the Alembic migrations (so migrations are tested), emptied between tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

from pesanan.db.migrate import upgrade
from pesanan.migrations.tables import metadata

PG_ADMIN = os.environ.get("PESANAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# Tables that migrations seed and tests keep.
KEEP = {"account", "alembic_version"}


def backends() -> list[str]:
    return [b.strip() for b in os.environ.get("PESANAN_TEST_DATABASES",
                                               "sqlite,postgresql").split(",") if b.strip()]


def create_postgres(name: str) -> str:
    """(Re)create database `name` and migrate it. Fails loudly if PostgreSQL is down: in CI the
    PostgreSQL tests must run, never skip."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    upgrade(url)
    return url


def drop_postgres(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_sqlite(tag: str) -> str:
    path = Path(tempfile.mkdtemp(prefix=f"pesanan-{tag}-")) / "test.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def clean(engine: Engine) -> None:
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in KEEP]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            for seq in ("order_number", "purchase_order_number", "shipment_number"):
                conn.execute(text(f"ALTER SEQUENCE {seq}_seq RESTART WITH 1"))
        else:
            for t in tables:
                conn.execute(t.delete())


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: compare before and after a refused request to prove nothing changed."""
    with engine.connect() as conn:
        return {t.name: conn.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one()
                for t in metadata.sorted_tables if t.name not in ("alembic_version",)}


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (small test databases only)."""
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(t.select()).all()), key=repr)
                for t in metadata.sorted_tables}
