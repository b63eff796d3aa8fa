"""The `pesanan` command line against the test databases: keys, audit, demo, replenish."""

from __future__ import annotations

from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.analytics import summary as report
from pesanan.app import create_app
from pesanan.bootstrap import Container
from pesanan.purchasing import service as purchasing
from pesanan.purchasing.schemas import ReorderRuleSet, SupplierCreate, SupplierOfferCreate
from tests.dbs import row_counts
from tests.e2e.conftest import Cli
from tests.factories import Api


def _last_line(result: Result) -> str:
    return result.stdout.strip().splitlines()[-1]


def _status_with(container: Container, key: str, path: str) -> int:
    with TestClient(create_app(container)) as client:
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {key}"}
                          ).status_code


def test_apikey_create_prints_a_working_key_alone_on_its_last_line(
        cli: Cli, container: Container) -> None:
    result = cli("apikey", "create", "--role", "clerk", "--name", "till 1")
    assert result.exit_code == 0, result.output
    key = _last_line(result)
    assert key.startswith("psn_") and len(key) == 47
    assert _status_with(container, key, "/orders") == 200
    assert _status_with(container, key, "/ledger/trial-balance") == 403  # a clerk's limits


def test_apikey_create_with_an_unknown_role_exits_non_zero_and_creates_nothing(
        cli: Cli, container: Container) -> None:
    before = row_counts(container.engine)
    result = cli("apikey", "create", "--role", "bogus")
    assert result.exit_code == 2
    assert "unknown role 'bogus'; one of admin, clerk, warehouse, accountant" in result.stderr
    assert result.stdout == ""
    assert row_counts(container.engine) == before


def _shop_with_an_order(api: Api) -> None:
    wh = api.location("WH1")
    api.product("TEE", price="12.50", tax_rate="0.11")
    api.stock("TEE", wh["id"], 10)
    api.order(api.customer()["id"], [("TEE", 3)])


def test_audit_of_a_consistent_database_exits_zero(cli: Cli, api: Api) -> None:
    _shop_with_an_order(api)
    result = cli("audit")
    assert result.exit_code == 0, result.output
    assert _last_line(result) == "audit clean: every invariant holds"
    assert result.stderr == ""


def test_audit_names_the_breached_check_and_exits_one(
        cli: Cli, api: Api, container: Container) -> None:
    _shop_with_an_order(api)
    with container.engine.begin() as conn:
        conn.execute(text("UPDATE stock_level SET on_hand = on_hand + 1"))
    result = cli("audit")
    assert result.exit_code == 1
    assert result.stderr.strip() == "audit failed: on_hand"
    assert "on_hand: stock TEE @ WH1: on_hand 11 but movements sum to 10\n" in result.stdout


def test_demo_on_an_empty_database_trades_on_every_channel_and_audits_clean(
        cli: Cli, container: Container) -> None:
    result = cli("demo", "--days", "2", "--products", "6", "--orders-per-day", "4",
                 "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "demo shop created" in result.stdout
    with container.read_engine.connect() as conn:
        summary = report.summary(conn)
    assert set(summary["orders_by_channel"]) == {"web", "pos", "phone"}
    assert summary["invoices"] > 0
    assert sum(summary["shipments_by_status"].values()) > 0
    assert sum(summary["purchase_orders_by_status"].values()) > 0
    assert _status_with(container, _last_line(result), "/ledger/trial-balance") == 200
    audit = cli("audit")
    assert audit.exit_code == 0, audit.output


def test_demo_once_on_an_existing_shop_simulates_nothing_but_prints_a_fresh_admin_key(
        cli: Cli, container: Container) -> None:
    first = cli("demo", "--days", "1", "--products", "3", "--orders-per-day", "3", "--once")
    assert first.exit_code == 0, first.output
    before = row_counts(container.engine)
    again = cli("demo", "--days", "1", "--products", "3", "--orders-per-day", "3", "--once")
    assert again.exit_code == 0, again.output
    assert "demo data already there: nothing simulated" in again.stdout
    after = row_counts(container.engine)
    assert after.pop("api_key") == before.pop("api_key") + 1
    assert after == before
    key = _last_line(again)
    assert key != _last_line(first)
    assert _status_with(container, key, "/ledger/trial-balance") == 200


def test_replenish_drafts_a_purchase_order_and_lists_it(
        cli: Cli, api: Api, container: Container) -> None:
    wh = api.location("WH1")
    api.product("MUG", price="5.00", standard_cost="2.00")
    api.stock("MUG", wh["id"], 3)
    with container.engine.begin() as conn:
        sup = purchasing.create_supplier(conn, SupplierCreate(name="Mugs Ltd", currency="USD"))
        purchasing.create_offer(conn, SupplierOfferCreate(
            supplier_id=sup["id"], sku="MUG", price="2.10", currency="USD", lead_time_days=2,
            min_order_qty=10))
        purchasing.set_reorder_rule(conn, ReorderRuleSet(
            sku="MUG", location_id=wh["id"], reorder_point=5, reorder_qty=12))
    result = cli("replenish")
    assert result.exit_code == 0, result.output
    assert "1 purchase order(s) drafted" in result.stdout
    assert "MUG x 12" in result.stdout
    assert "WH1" in result.stdout
    assert "25.20 USD" in result.stdout
    again = cli("replenish")
    assert again.exit_code == 0
    assert _last_line(again) == "nothing is below its reorder point"
