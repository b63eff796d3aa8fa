"""`pesanan broker status` against the test databases."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import Connection
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from pesanan.broker.link import Link
from pesanan.broker.publisher import publish_pending
from pesanan.cli import app
from pesanan.config import get_settings
from pesanan.db.tx import transact
from pesanan.events.relay import stamp_pending
from pesanan.events.service import emit


def test_status_shows_the_cursor_against_the_feed_before_and_after_a_pass(
        container: Container, link: Link, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("PESANAN_NATS_URL", link.url)
    monkeypatch.setenv("PESANAN_NATS_STREAM", link.stream)
    get_settings.cache_clear()
    try:
        def placed_then_cancelled(conn: Connection) -> None:
            for t in ("order.placed", "order.cancelled"):
                emit(conn, t, "order", "o1", {})

        transact(container.engine, placed_then_cancelled)
        stamp_pending(container.engine)
        runner = CliRunner()
        before = runner.invoke(app, ["broker", "status", "--json"])
        assert before.exit_code == 0, before.output
        shown = orjson.loads(before.stdout)
        assert (shown["enabled"], shown["stream"], shown["position"], shown["newest_position"],
                shown["behind"]) == (True, link.stream, 0, 2, 2)
        assert shown["oldest_unpublished_seconds"] > 0

        assert publish_pending(container.engine, container.read_engine, link) == 2
        after = runner.invoke(app, ["broker", "status"])
        assert after.exit_code == 0, after.output
        assert "position 2 of 2 (0 behind)" in after.stdout
        assert f"on, {link.url}; stream {link.stream}" in after.stdout
    finally:
        get_settings.cache_clear()
