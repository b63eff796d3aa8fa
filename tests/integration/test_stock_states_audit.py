"""The audit catches a quarantine that disagrees with its journal and a transfer whose
shipped/received numbers disagree with its movements (tampered rows, rolled back)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from pesanan.inventory import states, transfers
from pesanan.inventory.schemas import LocationCreate, QuarantineMove, TransferCreate
from pesanan.inventory.service import create_location
from tests.integration.test_audit import _shop, tampering


def _moved(container: Container) -> dict[str, str]:
    """_shop's TEE (10 at WH1, 3 reserved): 2 quarantined, a shipped transfer of 4 to WH2."""
    ids = _shop(container)
    with container.engine.begin() as conn:
        wh2 = create_location(conn, LocationCreate(code="WH2", name="Shop"))
        states.quarantine_stock(conn, QuarantineMove(sku="TEE", location_id=ids["location_id"],
                                                     quantity=2, reason="dented"))
        t = transfers.create_transfer(conn, TransferCreate(
            from_location_id=ids["location_id"], to_location_id=wh2["id"],
            lines=[{"sku": "TEE", "quantity": 4}]), "test")
        transfers.ship_transfer(conn, t["id"], "test")
    return {**ids, "transfer_id": t["id"]}


def _breaches(conn: Connection, name: str) -> list[str]:
    found = {r.check.name: r.breaches for r in checks.run_all(conn)}
    return [f"{b.subject}: {b.detail}" for b in found[name]]


def test_a_quarantine_level_out_of_step_with_its_journal_is_a_breach(
        container: Container) -> None:
    _moved(container)
    with checks.snapshot(container.engine) as conn:
        assert _breaches(conn, "quarantine") == []
    with tampering(container) as conn:
        conn.execute(text("UPDATE quarantine_level SET quantity = quantity + 1"))
        assert _breaches(conn, "quarantine") == [
            "stock TEE @ WH1: quarantined 3 but its journal sums to 2"]


def test_a_transfer_received_without_its_movement_is_a_breach(container: Container) -> None:
    ids = _moved(container)
    with checks.snapshot(container.engine) as conn:
        assert _breaches(conn, "in_transit") == []
    with tampering(container) as conn:
        conn.execute(text("UPDATE stock_transfer_line SET quantity_received = 1 "
                          "WHERE transfer_id = :t"), {"t": ids["transfer_id"]})
        assert _breaches(conn, "in_transit") == [
            "transfer TR-000001 TEE: in_transit: shipped 4 (movements 4), "
            "received 1 (movements 0)"]
