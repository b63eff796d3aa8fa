"""`pesanan stock …` against the test databases: transfers, counts, import, quarantine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from pesanan.cli import app
from pesanan.config import get_settings
from tests.dbs import snapshot
from tests.factories import Api

Cli = Callable[..., Result]


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables unwrapped, so rows can be asserted
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def _shop(api: Api) -> tuple[str, str]:
    api.product("TEE")
    a, b = api.location("WH-A"), api.location("WH-B")
    api.stock("TEE", a["id"], 10)
    return a["id"], b["id"]


def _on_hand(api: Api, location_id: str) -> tuple[int, int, int]:
    lv = api.level("TEE", location_id)
    return lv["on_hand"], lv["quarantined"], lv["in_transit"]


def test_a_transfer_is_created_shipped_and_received_from_the_command_line(
        cli: Cli, api: Api) -> None:
    a, b = _shop(api)
    made = cli("stock", "transfer", "create", "WH-A", "WH-B", "TEE=4")
    assert made.exit_code == 0, made.output
    assert "TR-000001" in made.stdout and "draft" in made.stdout
    assert cli("stock", "transfer", "ship", "TR-000001").exit_code == 0
    assert _on_hand(api, b) == (0, 0, 4)
    part = cli("stock", "transfer", "receive", "TR-000001", "TEE=1")
    assert part.exit_code == 0, part.output
    assert "partially_received" in part.stdout
    assert cli("stock", "transfer", "receive", "1").exit_code == 0
    assert (_on_hand(api, a), _on_hand(api, b)) == ((6, 0, 0), (4, 0, 0))
    listed = cli("stock", "transfer", "list")
    assert "TR-000001" in listed.stdout and "received" in listed.stdout


def test_a_bad_transfer_exits_non_zero_and_changes_nothing(cli: Cli, api: Api,
                                                           container: Container) -> None:
    _shop(api)
    before = snapshot(container.engine)
    same = cli("stock", "transfer", "create", "WH-A", "WH-A", "TEE=1")
    assert same.exit_code == 2
    assert "a transfer goes to a different location" in same.stderr
    unknown = cli("stock", "transfer", "create", "WH-A", "WH-Z", "TEE=1")
    assert unknown.exit_code == 2
    assert "no location with code WH-Z" in unknown.stderr
    too_many = cli("stock", "transfer", "create", "WH-A", "WH-B", "TEE=11")
    assert too_many.exit_code == 1
    assert "10 available at the source" in too_many.stderr
    assert cli("stock", "transfer", "create", "WH-A", "WH-B", "TEE=x").exit_code == 2
    assert snapshot(container.engine) == before


def test_a_count_posts_its_difference(cli: Cli, api: Api) -> None:
    a, _ = _shop(api)
    result = cli("stock", "count", "WH-A", "TEE=7")
    assert result.exit_code == 0, result.output
    assert "CC-000001" in result.stdout and "-3" in result.stdout
    assert _on_hand(api, a) == (7, 0, 0)
    recorded = cli("stock", "count", "WH-A", "TEE=9", "--record-only")
    assert "counted" in recorded.stdout
    assert _on_hand(api, a) == (7, 0, 0)
    assert cli("stock", "post-count", "CC-000002").exit_code == 0
    assert _on_hand(api, a) == (9, 0, 0)


def test_import_shows_a_dry_run_table_and_applies(cli: Cli, api: Api, tmp_path: Path,
                                                   container: Container) -> None:
    a, b = _shop(api)
    good = tmp_path / "good.csv"
    good.write_text("sku,location,on_hand\nTEE,WH-A,12\nTEE,WH-B,3\n")
    before = snapshot(container.engine)
    dry = cli("stock", "import", str(good), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing changed" in dry.stdout
    assert "2 row(s): 2 change(s) (+5 / -0 units), 0 invalid" in dry.stdout
    assert snapshot(container.engine) == before
    applied = cli("stock", "import", str(good))
    assert applied.exit_code == 0, applied.output
    assert "applied as CC-000001, CC-000002" in applied.stdout
    assert (_on_hand(api, a)[0], _on_hand(api, b)[0]) == (12, 3)


def test_a_bad_import_lists_the_errors_and_applies_nothing(cli: Cli, api: Api, tmp_path: Path,
                                                          container: Container) -> None:
    _shop(api)
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,location,on_hand\nTEE,WH-A,12\nNOPE,WH-A,1\nTEE,WH-B,-1\n")
    before = snapshot(container.engine)
    result = cli("stock", "import", str(bad))
    assert result.exit_code == 1
    assert "no product with SKU NOPE" in result.stdout
    assert "on_hand cannot be negative" in result.stdout
    assert snapshot(container.engine) == before


def test_quarantine_add_release_and_scrap(cli: Cli, api: Api) -> None:
    a, _ = _shop(api)
    added = cli("stock", "quarantine", "add", "TEE", "WH-A", "3", "--reason", "dented")
    assert added.exit_code == 0, added.output
    assert "on hand 7, available 7, quarantined 3" in added.stdout
    assert cli("stock", "quarantine", "release", "TEE", "WH-A", "1", "-r", "ok").exit_code == 0
    assert cli("stock", "quarantine", "scrap", "TEE", "WH-A", "2", "-r", "bin").exit_code == 0
    assert _on_hand(api, a) == (8, 0, 0)
    refused = cli("stock", "quarantine", "scrap", "TEE", "WH-A", "1", "-r", "again")
    assert refused.exit_code == 1
    assert "not that many units in quarantine" in refused.stderr
    levels = cli("stock", "levels", "--location", "WH-A")
    assert levels.exit_code == 0 and "TEE" in levels.stdout
