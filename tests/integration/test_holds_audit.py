"""The holds-and-edits audit checks: clean after real holds and edits, and each catches the
breach it exists for (tampering inside a transaction that is rolled back)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from pesanan.audit import checks
from tests.factories import Api


def _failing(conn: Connection) -> dict[str, list[str]]:
    return {r.check.name: [b.detail for b in r.breaches]
            for r in checks.run_all(conn) if not r.ok}


def _shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="20.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 20)
    cust = api.customer()
    edited = api.order(cust["id"], [("TEE", 2)])
    line = edited["lines"][0]["id"]
    api.ok(api.post(f"/orders/{edited['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{edited['id']}/payments", {"amount": "44.00", "method": "card"}),
           201)
    for q in (3, 1):
        api.ok(api.post(f"/orders/{edited['id']}/edits",
                        {"changes": [{"op": "set_quantity", "line_id": line, "quantity": q}]}))
    held = api.order(cust["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{held['id']}/hold", {"reason": "check"}))
    return {"edited": edited, "held": held, "open": api.order(cust["id"], [("TEE", 1)])}


def test_audit_is_clean_after_holds_and_edits_and_catches_each_breach(api: Api) -> None:
    shop = _shop(api)
    with api.container.engine.connect() as conn, conn.begin():
        assert _failing(conn) == {}
        e, h, o = shop["edited"]["id"], shop["held"]["id"], shop["open"]["id"]
        # A revision number skipped.
        conn.execute(text("UPDATE order_revision SET version = 3 WHERE order_id = :o "
                          "AND version = 2"), {"o": e})
        # A held order whose reason was cleared, an open order with an active reason.
        conn.execute(text("UPDATE order_hold SET status = 'released' WHERE order_id = :o"),
                     {"o": h})
        conn.execute(text("INSERT INTO order_hold (id, order_id, kind, reason, status, "
                          "created_at) SELECT '01900000-0000-7000-8000-0000000000aa', id, "
                          "'manual', 'x', 'active', placed_at FROM sales_order WHERE id = :o"),
                     {"o": e})
        # The open order's fulfilment order left live while the order is on hold.
        conn.execute(text("UPDATE sales_order SET status = 'on_hold' WHERE id = :o"), {"o": o})
        # An unedited order paid beyond its total.
        conn.execute(text("UPDATE sales_order SET amount_paid = total + 10000 WHERE id = :o"),
                     {"o": o})
        failing = _failing(conn)
        conn.rollback()
    assert failing["revisions"] == ["2 revision(s) numbered 1..3 (2 distinct)"]
    assert sorted(failing["holds"]) == ["on hold without an active reason"] * 2 + [
        "open but has an active hold reason"]
    assert failing["held_not_released"] == ["on hold but fulfilment order 1 is open"]
    assert len(failing["overpaid"]) == 1
    assert "never edited" in failing["overpaid"][0]
