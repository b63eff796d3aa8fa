"""Migration 0011 seals the 3PL secrets that were stored in plain text, with the app's key (the
same settings the server reads), takes them out of stored Idempotency-Key replays, and its
downgrade opens them again."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from pesanan.config import get_settings
from pesanan.core import crypto
from pesanan.db.migrate import alembic_config, upgrade
from tests import dbs

PLAIN = "plain-3pl-secret-from-before-0011-xyz"


@pytest.fixture
def scratch_url(backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PESANAN_SECRET_KEY", "migration-test-app-secret-key-0123456789")
    monkeypatch.delenv("PESANAN_ENCRYPTION_KEY", raising=False)
    get_settings.cache_clear()
    if backend == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='pesanan-0011-')) / 'm.db'}"
    else:
        name = f"pesanan_mig0011_{os.getpid()}"
        yield dbs.create_postgres(name)
        dbs.drop_postgres(name)
    get_settings.cache_clear()


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_plain_secrets_are_sealed_on_upgrade_and_opened_on_downgrade(scratch_url: str) -> None:
    upgrade(scratch_url, "0010")
    command.downgrade(alembic_config(scratch_url), "0010")  # a test PostgreSQL starts at head
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO location (id, code, name, kind, created_at) "
                          "VALUES ('L1', 'TPL1', 'A 3PL', '3pl', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO tpl_endpoint (location_id, url, secret, created_at, "
                          "updated_at) VALUES ('L1', 'https://3pl.example/in', :s, "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"s": PLAIN})
        replay = json.dumps({"location_id": "L1", "location_code": "TPL1", "url": "https://x",
                             "secret_set": True, "updated_at": "2026-12-01T00:00:00Z",
                             "secret": PLAIN}).encode()
        for key, body in (("put-1", replay), ("order-1", b'{"id":"o1","secret":"kept"}')):
            conn.execute(text(
                "INSERT INTO idempotency_key (scope, key, request_hash, state, claim_token, "
                "response_status, response_body, created_at, locked_at) VALUES ('k1', :k, 'h', "
                "'done', 't', 200, :b, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"k": key, "b": body})
    engine.dispose()

    upgrade(scratch_url, "0011")
    [row] = _rows(scratch_url, "SELECT * FROM tpl_endpoint")
    assert not any(PLAIN in str(v) for v in row)
    [(sealed,)] = _rows(scratch_url, "SELECT secret_sealed FROM tpl_endpoint")
    assert crypto.box_for(get_settings()).open(str(sealed)) == PLAIN
    stored = dict((k, json.loads(bytes(b))) for k, b in _rows(  # type: ignore[arg-type]
        scratch_url, "SELECT key, response_body FROM idempotency_key"))
    assert stored["put-1"]["secret"] is None
    assert stored["put-1"]["location_code"] == "TPL1"
    assert stored["order-1"] == {"id": "o1", "secret": "kept"}  # not a 3PL endpoint answer

    command.downgrade(alembic_config(scratch_url), "0010")
    assert _rows(scratch_url, "SELECT location_id, secret FROM tpl_endpoint") == [("L1", PLAIN)]
