"""/readyz: 200 when the database answers and its schema is at the migrations' head; 503 with a
problem document naming what is wrong otherwise. /healthz stays 200 either way (alive)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from pesanan.app import create_app
from pesanan.bootstrap import build
from pesanan.config import Settings
from pesanan.db.migrate import alembic_config, upgrade
from pesanan.telemetry import readiness


@pytest.fixture
def scratch(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'scratch.db'}"


@contextmanager
def _client_for(url: str) -> Iterator[TestClient]:
    c = build(Settings(database_url=url, pool_timeout=2, secret_key="test"))
    try:
        with TestClient(create_app(c), raise_server_exceptions=False) as client:
            yield client
    finally:
        c.close()


def test_a_database_at_head_is_ready_and_a_poll_writes_no_log_line(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    client.get("/readyz")  # the first reads the migration scripts
    with caplog.at_level(logging.INFO):
        resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready"}
    assert [r for r in caplog.records if not r.name.startswith("httpx")] == []


def test_a_fresh_database_without_migrations_is_not_ready(scratch: str) -> None:
    with _client_for(scratch) as client:
        resp = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["retry-after"] == "5"
    body = resp.json()
    assert body["type"] == "/problems/service-unavailable"
    assert [e["field"] for e in body["errors"]] == ["migrations"]
    assert "no migrations applied" in body["detail"]
    assert "pesanan db upgrade" in body["detail"]


def test_a_schema_one_migration_behind_is_not_ready_and_names_both_revisions(
        scratch: str) -> None:
    upgrade(scratch)
    command.downgrade(alembic_config(scratch), "-1")
    (head,) = readiness.script_heads()
    with _client_for(scratch) as client:
        behind = client.get("/readyz")
        upgrade(scratch)  # caught up: ready on the next poll, no restart
        caught_up = client.get("/readyz")
    assert behind.status_code == 503
    detail = behind.json()["detail"]
    assert f"needs {head}" in detail and "the schema is at 00" in detail
    assert caught_up.status_code == 200


def test_a_database_that_does_not_answer_is_not_ready(tmp_path: Path) -> None:
    with _client_for(f"sqlite:///{tmp_path}/no-such-directory/x.db") as client:
        resp = client.get("/readyz")
    assert resp.status_code == 503
    assert [e["field"] for e in resp.json()["errors"]] == ["database"]
    assert "did not answer" in resp.json()["detail"]


def test_a_schema_newer_than_the_code_stays_ready_for_a_rolling_deploy(scratch: str) -> None:
    # The old processes of a rollout, after `pesanan db upgrade` ran for the new release.
    upgrade(scratch)
    engine = create_engine(scratch)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with _client_for(scratch) as client:
        assert client.get("/readyz").status_code == 200
