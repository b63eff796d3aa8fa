"""The returns checks of `pesanan audit`: clean after a real return, and each one catches the
breach it exists for (tampering in a transaction that is rolled back)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from tests.factories import Api
from tests.integration.test_audit import tampering


def _failing(container: Container, *sql: str) -> dict[str, list[str]]:
    with tampering(container) as conn:
        for stmt in sql:
            conn.execute(text(stmt))
        return {r.check.name: [f"{b.subject}: {b.detail}" for b in r.breaches]
                for r in checks.run_all(conn) if not r.ok}


def _refunded_return(api: Api) -> dict[str, Any]:
    api.product("TEE", price="100.00", tax_rate="0.10", standard_cost="40.00")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2)])
    oid = order["id"]
    api.ok(api.post(f"/orders/{oid}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{oid}/payments", {"amount": "220.00", "method": "card"}), 201)
    shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    rma = api.ok(api.post("/returns", {"order_id": oid, "lines": [
        {"sku": "TEE", "quantity": 2, "reason": "torn"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    api.ok(api.post(f"/returns/{rma['id']}/receive", {"location_id": wh["id"], "lines": [
        {"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]}))
    api.ok(api.post(f"/returns/{rma['id']}/refund", {"method": "card", "amount": "100.00"}))
    return {**rma, "order": order}


def test_a_real_return_leaves_the_returns_checks_clean(api: Api, container: Container) -> None:
    _refunded_return(api)
    assert _failing(container) == {}


def test_a_credit_note_number_gap_is_a_breach(api: Api, container: Container) -> None:
    _refunded_return(api)
    failing = _failing(container, "UPDATE credit_note SET seq = 2")
    assert list(failing) == ["credit_note_numbers"]


def test_a_refund_that_differs_from_its_entry_or_the_order_is_a_breach(
        api: Api, container: Container) -> None:
    _refunded_return(api)
    failing = _failing(container, "UPDATE refund SET amount = amount + 10000")
    assert set(failing) == {"returns_posted", "refunds"}
    assert failing["returns_posted"][0].endswith("amount 101.0000 but posted 100.0000 on 1000")


def test_more_refunded_than_paid_is_a_breach(api: Api, container: Container) -> None:
    _refunded_return(api)
    # The CHECK refunded <= paid forbids this row; the audit must still catch it.
    drop = ("ALTER TABLE sales_order DROP CONSTRAINT ck_sales_order_refunded_within_paid"
            if container.engine.dialect.name == "postgresql" else "SELECT 1")
    failing = _failing(container, drop, "UPDATE sales_order SET amount_refunded = 3000000",
                       "UPDATE refund SET amount = 3000000")
    assert "refunds" in failing
    assert "paid 220.0000, amount_refunded 300.0000" in failing["refunds"][0]


def test_returning_more_than_delivered_and_unmoved_restock_are_breaches(
        api: Api, container: Container) -> None:
    rma = _refunded_return(api)
    failing = _failing(container, "UPDATE rma_line SET quantity = 3")
    assert set(failing) == {"returned", "restocked"}
    assert failing["returned"][0].endswith("3 unit(s) on returns, 2 delivered")
    assert failing["restocked"] == [f"return {rma['number']}: 3 unit(s) restocked but 2 moved "
                                    "back"]
