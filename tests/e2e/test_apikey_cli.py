"""`pesanan apikey list|revoke` against the test databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pesanan.app import create_app
from pesanan.auth import service as auth
from pesanan.bootstrap import Container
from pesanan.config import get_settings
from tests.dbs import snapshot

Cli = Callable[..., Result]


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("PESANAN_AUTH_CACHE_SECONDS", "30")
    get_settings.cache_clear()
    from pesanan.cli import app

    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def _key(container: Container, name: str, role: str) -> tuple[str, str, str]:
    with container.engine.begin() as conn:
        info, secret = auth.create_api_key(conn, name, role)
    return info["id"], info["prefix"], secret


def _orders_status(container: Container, secret: str) -> int:
    with TestClient(create_app(container)) as client:
        return client.get("/api/v1/orders",
                          headers={"Authorization": f"Bearer {secret}"}).status_code


def test_apikey_list_shows_each_key_without_its_secret(cli: Cli, container: Container) -> None:
    till_id, till_prefix, till_secret = _key(container, "till 1", "clerk")
    sync_id, _, sync_secret = _key(container, "shop sync", "admin")

    result = cli("apikey", "list")

    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if till_id in line or sync_id in line]
    assert len(rows) == 2
    assert sync_id in rows[0] and till_id in rows[1]  # newest first
    assert "till 1" in rows[1] and "clerk" in rows[1] and f"{till_prefix}…" in rows[1]
    assert till_secret not in result.output and sync_secret not in result.output


def test_apikey_revoke_stops_the_key_and_the_list_shows_when(
        cli: Cli, container: Container) -> None:
    key_id, prefix, secret = _key(container, "till 1", "clerk")
    assert _orders_status(container, secret) == 200

    result = cli("apikey", "revoke", key_id)

    assert result.exit_code == 0, result.output
    assert f"revoked clerk key {prefix}… ({key_id}, till 1)" in result.stdout
    assert "servers refuse it within 30 s" in result.stdout
    assert _orders_status(container, secret) == 401
    row = next(line for line in cli("apikey", "list").stdout.splitlines() if key_id in line)
    assert "20" in row.split("│")[-2]  # the revoked column has a timestamp


def test_apikey_revoke_of_an_unknown_or_revoked_key_exits_1_and_changes_nothing(
        cli: Cli, container: Container) -> None:
    key_id, _, _ = _key(container, "till 1", "clerk")
    assert cli("apikey", "revoke", key_id).exit_code == 0
    before = snapshot(container.engine)

    unknown = cli("apikey", "revoke", "no-such-key")
    again = cli("apikey", "revoke", key_id)

    assert unknown.exit_code == 1
    assert "no API key no-such-key" in unknown.stderr
    assert again.exit_code == 1
    assert f"API key {key_id} (till 1) was already revoked at" in " ".join(again.stderr.split())
    assert snapshot(container.engine) == before
