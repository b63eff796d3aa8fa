"""`pesanan sourcing …` against the test databases: plan (dry run), settings, backorders."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def test_a_plan_is_shown_with_its_reasons_and_reserves_nothing(cli: Cli, api: Api) -> None:
    api.product("TEE")
    a, b = api.location("WH-A"), api.location("WH-B")
    api.stock("TEE", a["id"], 3)
    api.stock("TEE", b["id"], 4)
    before = snapshot(api.container.engine)
    out = cli("sourcing", "plan", "--line", "TEE:6")
    assert out.exit_code == 0, out.output
    assert "plan: 2 shipment(s)" in out.stdout
    assert "- TEE x 6: split (4 from WH-B, 2 from WH-A)" in out.stdout
    assert snapshot(api.container.engine) == before


def test_an_infeasible_plan_exits_1_and_an_unknown_sku_exits_2(cli: Cli, api: Api) -> None:
    api.product("TEE")
    api.location("WH-A")
    short = cli("sourcing", "plan", "--line", "TEE:1")
    assert short.exit_code == 1
    assert "NOT feasible" in short.stdout
    unknown = cli("sourcing", "plan", "--line", "NOPE:1")
    assert unknown.exit_code == 2
    assert "lines[0].sku: no product with SKU NOPE" in unknown.stderr


def test_location_and_safety_stock_settings_are_set_from_the_command_line(
        cli: Cli, api: Api) -> None:
    api.product("TEE")
    loc = api.location("WH-A")
    api.stock("TEE", loc["id"], 10)
    done = cli("sourcing", "location", loc["id"], "--region", "JK", "--country", "ID",
               "--channel", "web")
    assert done.exit_code == 0, done.output
    assert "WH-A: region JK, country ID, channels web" in done.stdout
    safety = cli("sourcing", "safety-stock", "TEE", loc["id"], "4")
    assert safety.exit_code == 0, safety.output
    assert "safety stock 4, available 10, sourceable 6" in safety.stdout
    bad = cli("sourcing", "safety-stock", "TEE", "nowhere", "4")
    assert bad.exit_code == 2
    assert "location_id: no such location" in bad.stderr


def test_backorders_are_listed(cli: Cli, api: Api) -> None:
    product = api.product("TEE")
    api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                     json={"oversell_policy": "backorder", "backorder_limit": 9})
    api.location("WH-A")
    api.order(api.customer()["id"], [("TEE", 2)])
    out = cli("sourcing", "backorders")
    assert out.exit_code == 0, out.output
    assert "SO-000001" in out.stdout and "TEE" in out.stdout
