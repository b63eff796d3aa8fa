"""`pesanan replenish --location CODE` drafts only there; an unknown location drafts nothing."""

from __future__ import annotations

import pytest

from pesanan.bootstrap import Container
from pesanan.purchasing import service as purchasing
from pesanan.purchasing.schemas import ReorderRuleSet, SupplierCreate, SupplierOfferCreate
from tests.dbs import row_counts
from tests.e2e.conftest import Cli
from tests.factories import Api


@pytest.fixture
def two_short_locations(api: Api, container: Container) -> None:
    api.product("MUG", price="5.00", standard_cost="2.00")
    locations = [api.location("WH1"), api.location("WH2")]
    with container.engine.begin() as conn:
        sup = purchasing.create_supplier(conn, SupplierCreate(name="Mugs Ltd", currency="USD"))
        purchasing.create_offer(conn, SupplierOfferCreate(
            supplier_id=sup["id"], sku="MUG", price="2.10", currency="USD", lead_time_days=2))
        for wh in locations:
            purchasing.set_reorder_rule(conn, ReorderRuleSet(
                sku="MUG", location_id=wh["id"], reorder_point=5, reorder_qty=12))


@pytest.mark.usefixtures("two_short_locations")
def test_replenish_with_a_location_drafts_only_there(cli: Cli) -> None:
    result = cli("replenish", "--location", "WH2")
    assert result.exit_code == 0, result.output
    assert "1 purchase order(s) drafted" in result.stdout
    assert "WH2" in result.stdout and "WH1" not in result.stdout
    rest = cli("replenish")
    assert "1 purchase order(s) drafted" in rest.stdout and "WH1" in rest.stdout


@pytest.mark.usefixtures("two_short_locations")
def test_replenish_with_an_unknown_location_exits_2_and_drafts_nothing(
        cli: Cli, container: Container) -> None:
    before = row_counts(container.engine)
    result = cli("replenish", "--location", "NOPE")
    assert result.exit_code == 2, result.output
    assert "location_id: no such location" in result.stderr
    assert row_counts(container.engine) == before
