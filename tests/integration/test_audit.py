"""The audit's checks on real rows: clean after real commands, and each one catches the breach it
exists for. Tampering happens inside a transaction that is rolled back, so the check sees the
broken row and nothing outlives the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Connection, text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from pesanan.catalog.schemas import ProductCreate
from pesanan.catalog.service import create_product
from pesanan.core.actor import SYSTEM
from pesanan.customers.schemas import CustomerCreate
from pesanan.flows.customer_profile import create_customer
from pesanan.flows.place_order import place_order
from pesanan.inventory.schemas import LocationCreate, StockAdjustment
from pesanan.inventory.service import adjust_stock, create_location
from pesanan.orders.schemas import PlaceOrder


def _shop(container: Container) -> dict[str, str]:
    """One product with 10 on hand at WH1 and an order reserving 3 of them."""
    with container.engine.begin() as conn:
        create_product(conn, ProductCreate(sku="TEE", name="Tee", price="12.50", currency="USD",
                                           tax_rate="0.11", standard_cost="6.00"))
        wh = create_location(conn, LocationCreate(code="WH1", name="Warehouse"))
        adjust_stock(conn, StockAdjustment(sku="TEE", location_id=wh["id"], quantity=10,
                                           reason="opening count"))
        cust = create_customer(conn, CustomerCreate(name="Ada"))
        order = place_order(conn, PlaceOrder(channel="web", customer_id=cust["id"],
                                             lines=[{"sku": "TEE", "quantity": 3}]), SYSTEM)
    return {"order_id": order["id"], "customer_id": cust["id"], "location_id": wh["id"]}


@contextmanager
def tampering(container: Container) -> Iterator[Connection]:
    """A transaction that is always rolled back. SQLite enforces CHECK constraints even for a
    bug, so to prove a check still catches what the constraints should prevent, they are
    switched off for the duration on SQLite (on PostgreSQL the DDL itself rolls back)."""
    with container.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            conn.commit()
        try:
            with conn.begin() as tx:
                yield conn
                tx.rollback()
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
                conn.commit()


def _failing(conn: Connection) -> dict[str, list[checks.Breach]]:
    return {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok}


def test_real_commands_leave_every_invariant_holding(container: Container) -> None:
    _shop(container)
    with checks.snapshot(container.read_engine) as conn:
        results = checks.run_all(conn)
    assert [(r.check.name, r.breaches) for r in results] == [
        ("on_hand", []), ("reserved", []), ("available", []), ("journal", []),
        ("balances", []), ("invoice_numbers", []), ("order_totals", []),
        ("quarantine", []), ("in_transit", []),
        ("backorder_lines", []), ("backorder_limits", []),
        ("credit_note_numbers", []), ("returns_posted", []), ("refunds", []),
        ("returned", []), ("restocked", []),
        ("fulfilment_units", []), ("fulfilment_shipped", []),
        ("revisions", []), ("holds", []), ("held_not_released", []), ("overpaid", []),
    ]


def test_account_balances_out_of_step_with_the_journal_is_a_breach(
        container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        conn.execute(text("UPDATE account_balance SET debit = debit + 10000 "
                          "WHERE account_code = '1200'"))
        failing = _failing(conn)
        assert list(failing) == ["balances"]
        assert [b.subject for b in failing["balances"]] == ["USD account 1200"]


def test_on_hand_out_of_step_with_movements_is_a_breach(container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        conn.execute(text("UPDATE stock_level SET on_hand = on_hand + 1"))
        assert _failing(conn) == {"on_hand": [
            checks.Breach("stock TEE @ WH1", "on_hand 11 but movements sum to 10")]}


def test_a_movement_without_a_stock_level_is_a_breach(container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        # Reservations reference their stock row (migration 0025): they go first.
        conn.execute(text("DELETE FROM reservation"))
        conn.execute(text("DELETE FROM stock_level WHERE reserved = 3"))
        conn.execute(text("UPDATE fulfilment_order SET status = 'cancelled'"))
        assert _failing(conn) == {"on_hand": [
            checks.Breach("stock TEE @ WH1", "no stock level row but movements sum to 10")]}


def test_reserved_out_of_step_with_open_reservations_is_a_breach(container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        conn.execute(text("UPDATE reservation SET quantity = 2"))
        conn.execute(text("UPDATE fulfilment_order_line SET quantity = 2"))
        assert _failing(conn) == {"reserved": [
            checks.Breach("stock TEE @ WH1", "reserved 3 but open reservations sum to 2")]}


def test_negative_available_is_a_breach(container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE stock_level DROP CONSTRAINT "
                              "ck_stock_level_available_not_negative"))
        conn.execute(text("UPDATE stock_level SET reserved = 12"))
        conn.execute(text("UPDATE reservation SET quantity = 12"))
        conn.execute(text("UPDATE fulfilment_order_line SET quantity = 12"))
        assert _failing(conn) == {"available": [
            checks.Breach("stock TEE @ WH1", "on hand 10, reserved 12, available -2")]}


def test_an_unbalanced_journal_entry_is_a_breach(container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        entry_id, memo = conn.execute(text("SELECT id, memo FROM journal_entry")).one()
        conn.execute(text("UPDATE journal_line SET debit = debit + 10000 WHERE debit > 0"))
        failing = _failing(conn)
        assert failing["journal"] == [
            checks.Breach(f"entry {entry_id} ({memo})", "debits 61.0000 != credits 60.0000")]
        # The running balances no longer match the tampered journal either.
        assert [b.subject for b in failing["balances"]] == ["USD account 1200"]
        assert set(failing) == {"journal", "balances"}


def _invoice(conn: Connection, ids: dict[str, str], n: int, year: int, seq: int) -> None:
    ts = datetime(year, 3, 1, tzinfo=UTC)
    conn.execute(text(
        "INSERT INTO invoice (id, number, year, seq, order_id, customer_id, currency, subtotal,"
        " tax_total, total, amount_paid, status, issued_at, due_at) VALUES (:id, :number, :year,"
        " :seq, :o, :c, 'USD', 0, 0, 0, 0, 'issued', :ts, :ts)"),
        {"id": f"inv-{n}", "number": f"INV-{year}-{seq:06d}-{n}", "year": year,
         "seq": seq, "o": ids["order_id"], "c": ids["customer_id"], "ts": ts})


def test_invoice_numbers_with_a_gap_or_a_duplicate_are_breaches(container: Container) -> None:
    ids = _shop(container)
    with tampering(container) as conn:
        for n, (year, seq) in enumerate(((2025, 1), (2025, 2), (2026, 1), (2026, 3), (2027, 1),
                                         (2027, 1))):
            _invoice(conn, ids, n, year, seq)
        assert _failing(conn) == {"invoice_numbers": [
            checks.Breach("invoices 2027", "number 1 used 2 times"),
            checks.Breach("invoices 2026", "numbers run 1..3 but only 2 distinct exist: "
                                           "1 missing"),
        ]}


def test_order_totals_that_differ_from_their_lines_are_breaches(container: Container) -> None:
    ids = _shop(container)
    with tampering(container) as conn:
        conn.execute(text("UPDATE sales_order SET subtotal = subtotal + 10000, "
                          "total = total + 10000"))
        number = conn.execute(text("SELECT number FROM sales_order")).scalar_one()
        assert _failing(conn) == {"order_totals": [checks.Breach(
            f"order {number} ({ids['order_id']})",
            f"subtotal {Decimal('38.5000')} (lines 37.5000), tax 4.1300 (lines 4.1300), "
            f"total 42.6300")]}


def test_fulfilment_units_out_of_step_with_reservations_are_breaches(
        container: Container) -> None:
    _shop(container)
    with tampering(container) as conn:
        conn.execute(text("UPDATE fulfilment_order_line SET quantity = 2"))
        assert _failing(conn) == {"fulfilment_units": [checks.Breach(
            "order SO-000001 line 1 (TEE)",
            "open order: 2 unshipped unit(s) on fulfilment orders, 3 reserved")]}
    with tampering(container) as conn:
        conn.execute(text("UPDATE fulfilment_order_line SET quantity_shipped = 1"))
        failing = _failing(conn)
        assert list(failing) == ["fulfilment_units", "fulfilment_shipped"]
        assert [b.detail for b in failing["fulfilment_shipped"]] == [
            "1 unit(s) marked shipped, its shipments carry 0"]
