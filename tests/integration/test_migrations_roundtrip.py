"""Every migration downgrades as well as it upgrades: base -> head -> base -> head leaves the
same tables, on SQLite and on PostgreSQL (a failed downgrade blocks an operator's rollback)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from pesanan.db.migrate import alembic_config, upgrade
from tests import dbs


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def scratch_url(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='pesanan-mig-')) / 'm.db'}"
        return
    name = f"pesanan_migrations_{os.getpid()}"
    yield dbs.create_postgres(name)
    dbs.drop_postgres(name)


def test_migrations_downgrade_to_base_and_upgrade_again(scratch_url: str) -> None:
    upgrade(scratch_url)
    at_head = _tables(scratch_url)
    assert {"sales_order", "fulfilment_order", "rma", "backorder"} <= at_head

    command.downgrade(alembic_config(scratch_url), "base")
    assert _tables(scratch_url) <= {"alembic_version"}

    upgrade(scratch_url)
    assert _tables(scratch_url) == at_head
