"""Purchasing over HTTP: suppliers, offers, reorder rules, replenish, purchase orders, receipts."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from pesanan.core.actor import SYSTEM
from pesanan.events.queries import list_events
from pesanan.inventory import service as inventory
from pesanan.ledger.models import journal_entry, journal_line
from pesanan.purchasing import service as purchasing
from tests.dbs import row_counts, snapshot
from tests.factories import Api


def supplier(api: Api, name: str, currency: str = "USD") -> dict[str, Any]:
    return api.ok(api.post("/suppliers", {"name": name, "currency": currency}), 201)


def offer(api: Api, supplier_id: str, sku: str, price: str, lead: int = 5, moq: int = 1,
          currency: str = "USD") -> dict[str, Any]:
    return api.ok(api.post("/supplier-offers", {
        "supplier_id": supplier_id, "sku": sku, "price": price, "currency": currency,
        "lead_time_days": lead, "min_order_qty": moq}), 201)


def rule(api: Api, sku: str, location_id: str, point: int, qty: int) -> dict[str, Any]:
    return api.ok(api.client.put("/api/v1/reorder-rules", headers=api.headers(), json={
        "sku": sku, "location_id": location_id, "reorder_point": point, "reorder_qty": qty}))


def replenish(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok(api.post("/purchase-orders/replenish"))["items"]
    return items


def purchase_order(api: Api, supplier_id: str, location_id: str,
                   lines: list[dict[str, Any]]) -> dict[str, Any]:
    return api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier_id, "location_id": location_id, "lines": lines}), 201)


def receive(api: Api, po_id: str, lines: list[dict[str, Any]] | None = None) -> Any:
    return api.post(f"/purchase-orders/{po_id}/receipts",
                    None if lines is None else {"lines": lines})


def average_cost(api: Api, product_id: str) -> Decimal:
    with api.container.engine.connect() as conn:
        return inventory.unit_cost(conn, product_id)


def journal(api: Api, po_id: str) -> list[list[tuple[str, Decimal, Decimal]]]:
    """The PO's journal entries, oldest first, as (account, debit, credit) lines."""
    with api.container.engine.connect() as conn:
        rows = conn.execute(
            select(journal_entry.c.id, journal_entry.c.currency, journal_line.c.account_code,
                   journal_line.c.debit, journal_line.c.credit)
            .join(journal_line, journal_line.c.entry_id == journal_entry.c.id)
            .where(journal_entry.c.source_type == "purchase_order",
                   journal_entry.c.source_id == po_id)
            .order_by(journal_entry.c.id, journal_line.c.account_code)
        ).all()
    entries: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for r in rows:
        assert r.currency == "USD"
        entries.setdefault(r.id, []).append((r.account_code, r.debit, r.credit))
    return list(entries.values())


def event_types(api: Api) -> list[str]:
    with api.container.engine.connect() as conn:
        return [e["type"] for e in list_events(conn, limit=1000)]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- suppliers and offers ----------------------------------------------------------------------

def test_suppliers_and_their_offers_are_created_read_and_filtered(api: Api) -> None:
    api.product("TEE")
    api.product("MUG")
    resp = api.post("/suppliers", {"name": "Acme Textiles", "email": "Sales@Acme-Textiles.com",
                                   "currency": "USD"})
    acme = api.ok(resp, 201)
    assert resp.headers["location"] == f"/api/v1/suppliers/{acme['id']}"
    assert (acme["name"], acme["email"], acme["currency"]) == (
        "Acme Textiles", "sales@acme-textiles.com", "USD")
    assert api.ok(api.get(f"/suppliers/{acme['id']}")) == acme
    bandung = supplier(api, "Bandung Mugs")
    names = [s["name"] for s in api.ok(api.get("/suppliers"))["items"]]
    assert names == ["Bandung Mugs", "Acme Textiles"]

    tee = offer(api, acme["id"], "TEE", "5.25", lead=7, moq=12)
    assert {k: tee[k] for k in ("supplier_id", "sku", "price", "currency", "lead_time_days",
                                "min_order_qty")} == {
        "supplier_id": acme["id"], "sku": "TEE", "price": "5.25", "currency": "USD",
        "lead_time_days": 7, "min_order_qty": 12}
    offer(api, acme["id"], "MUG", "2.00")
    offer(api, bandung["id"], "MUG", "1.90", moq=24)
    mugs = api.ok(api.get("/supplier-offers", sku="MUG"))["items"]
    assert sorted((o["supplier_id"], o["price"], o["min_order_qty"]) for o in mugs) == sorted(
        [(acme["id"], "2.00", 1), (bandung["id"], "1.90", 24)])
    from_acme = api.ok(api.get("/supplier-offers", supplier_id=acme["id"]))["items"]
    assert sorted(o["sku"] for o in from_acme) == ["MUG", "TEE"]
    assert api.ok(api.get(f"/supplier-offers/{tee['id']}")) == tee


def test_a_second_offer_from_one_supplier_for_one_sku_conflicts(api: Api) -> None:
    api.product("TEE")
    acme = supplier(api, "Acme")
    offer(api, acme["id"], "TEE", "5.00")
    before = row_counts(api.container.engine)
    resp = api.post("/supplier-offers", {"supplier_id": acme["id"], "sku": "TEE",
                                         "price": "4.00", "currency": "USD",
                                         "lead_time_days": 1, "min_order_qty": 1})
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["code"] == "duplicate"
    assert row_counts(api.container.engine) == before
    assert api.post("/suppliers", {"name": "Acme", "currency": "USD"}).status_code == 409


@pytest.mark.parametrize(("change", "expected"), [
    ({"sku": "NOPE"}, [("sku", "unknown_sku")]),
    ({"supplier": "euro", "currency": "EUR"}, [("currency", "wrong_currency")]),
    ({"currency": "EUR"}, [("currency", "wrong_currency"), ("currency", "wrong_currency")]),
    ({"currency": "XYZ"}, [("currency", "unknown_currency")]),
    ({"min_order_qty": 0}, [("min_order_qty", "greater_than_equal")]),
    ({"price": "1.005"}, [("price", "invalid_money")]),
    ({"price": "0.00"}, [("price", "not_positive")]),
    ({"price": 1.5}, [("price", "string_type")]),
    ({"supplier": "nobody"}, [("supplier_id", "unknown_supplier")]),
])
def test_a_bad_offer_is_refused_with_field_errors_and_writes_nothing(
        api: Api, change: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    api.product("TEE")  # priced in USD
    suppliers = {"acme": supplier(api, "Acme")["id"],
                 "euro": supplier(api, "Euro GmbH", "EUR")["id"], "nobody": "missing"}
    fields = {k: v for k, v in change.items() if k != "supplier"}
    body = {"supplier_id": suppliers[change.get("supplier", "acme")], "sku": "TEE",
            "price": "5.00", "currency": "USD", "lead_time_days": 3, "min_order_qty": 1,
            **fields}
    before = snapshot(api.container.engine)
    resp = api.post("/supplier-offers", body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == expected
    assert snapshot(api.container.engine) == before


# --- reorder rules -----------------------------------------------------------------------------

def test_a_reorder_rule_is_set_replaced_and_listed(api: Api) -> None:
    tee = api.product("TEE")
    wh = api.location("WH1")
    assert rule(api, "TEE", wh["id"], 10, 20) == {
        "sku": "TEE", "product_id": tee["id"], "location_id": wh["id"], "reorder_point": 10,
        "reorder_qty": 20}
    posted = api.ok(api.post("/reorder-rules", {"sku": "TEE", "location_id": wh["id"],
                                                "reorder_point": 5, "reorder_qty": 8}))
    assert (posted["reorder_point"], posted["reorder_qty"]) == (5, 8)
    items = api.ok(api.get("/reorder-rules", sku="TEE"))["items"]
    assert [(r["location_id"], r["reorder_point"], r["reorder_qty"]) for r in items] == [
        (wh["id"], 5, 8)]


def test_a_reorder_rule_for_an_unknown_sku_or_location_is_refused(api: Api) -> None:
    api.product("TEE")
    before = row_counts(api.container.engine)
    resp = api.post("/reorder-rules", {"sku": "NOPE", "location_id": "nowhere",
                                       "reorder_point": 5, "reorder_qty": 0})
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["reorder_qty"]
    resp = api.post("/reorder-rules", {"sku": "NOPE", "location_id": "nowhere",
                                       "reorder_point": 5, "reorder_qty": 1})
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [
        ("sku", "unknown_sku"), ("location_id", "unknown_location")]
    assert row_counts(api.container.engine) == before


# --- replenish ---------------------------------------------------------------------------------

def test_replenish_orders_from_the_cheapest_offer_whose_moq_is_met(api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 4)
    rule(api, "TEE", wh["id"], 10, 20)  # 4 < 10: order the reorder quantity, 20
    bulk, slow, fast, dear = (supplier(api, n) for n in ("Bulk", "Slow", "Fast", "Dear"))
    offer(api, bulk["id"], "TEE", "5.00", lead=2, moq=50)  # cheapest, but 20 is below its MOQ
    offer(api, slow["id"], "TEE", "6.00", lead=7, moq=10)
    offer(api, fast["id"], "TEE", "6.00", lead=3, moq=20)  # same price, shorter lead time
    offer(api, dear["id"], "TEE", "6.50", lead=1, moq=1)
    result = api.ok(api.post("/purchase-orders/replenish"))
    assert result["unsourced"] == []
    [po] = result["items"]
    assert (po["number"], po["supplier_id"], po["supplier_name"], po["location_id"],
            po["status"], po["currency"], po["total"]) == (
        "PO-000001", fast["id"], "Fast", wh["id"], "draft", "USD", "120.00")
    assert [(x["sku"], x["quantity"], x["quantity_received"], x["unit_cost"], x["total"])
            for x in po["lines"]] == [("TEE", 20, 0, "6.00", "120.00")]
    lead = ts(po["expected_at"]) - ts(po["created_at"])
    assert timedelta(days=3) - timedelta(seconds=5) < lead <= timedelta(days=3)
    assert api.ok(api.get(f"/purchase-orders/{po['id']}")) == po
    assert event_types(api).count("purchase_order.drafted") == 1


def test_replenish_falls_back_to_the_cheapest_offer_raised_to_its_moq(api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    rule(api, "TEE", wh["id"], 10, 20)
    small, big = supplier(api, "Small"), supplier(api, "Big")
    offer(api, small["id"], "TEE", "5.50", moq=30)
    offer(api, big["id"], "TEE", "5.00", moq=100)
    [po] = replenish(api)
    assert (po["supplier_id"], po["total"]) == (big["id"], "500.00")
    assert [(x["quantity"], x["unit_cost"]) for x in po["lines"]] == [(100, "5.00")]


def test_a_shortfall_deeper_than_the_reorder_quantity_is_ordered_in_full(api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    rule(api, "TEE", wh["id"], 50, 20)
    offer(api, supplier(api, "Acme")["id"], "TEE", "5.00")
    [po] = replenish(api)
    assert po["lines"][0]["quantity"] == 45


def test_replenish_twice_drafts_once_and_cancelling_makes_it_order_again(api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 3)
    rule(api, "TEE", wh["id"], 10, 20)
    offer(api, supplier(api, "Acme")["id"], "TEE", "5.00")
    [po] = replenish(api)
    assert replenish(api) == []
    assert api.ok(api.post(f"/purchase-orders/{po['id']}/submit"))["status"] == "ordered"
    assert replenish(api) == []  # ordered is still incoming
    receive(api, po["id"], [{"sku": "TEE", "quantity": 5}])
    assert replenish(api) == []  # 8 available + 15 still to come
    assert len(api.ok(api.get("/purchase-orders"))["items"]) == 1
    other = purchase_order(api, po["supplier_id"], wh["id"], [{"sku": "TEE", "quantity": 7}])
    api.ok(api.post(f"/purchase-orders/{other['id']}/cancel", {"reason": "too many"}))
    assert replenish(api) == []  # a cancelled order never counted
    api.ok(receive(api, po["id"]))
    api.stock("TEE", wh["id"], -20, reason="damaged")  # 23 on hand -> 3, nothing incoming
    [again] = replenish(api)
    assert (again["number"], again["lines"][0]["quantity"]) == ("PO-000003", 20)


def test_replenish_drafts_one_order_per_supplier_and_location(api: Api) -> None:
    for sku in ("TEE", "MUG", "CAP", "PIN"):
        api.product(sku)
    wh1, wh2 = api.location("WH1"), api.location("WH2")
    acme, bandung = supplier(api, "Acme"), supplier(api, "Bandung")
    offer(api, acme["id"], "TEE", "5.00", lead=2)
    offer(api, acme["id"], "MUG", "3.00", lead=9)
    offer(api, bandung["id"], "CAP", "4.00")
    for sku, loc in (("TEE", wh1), ("MUG", wh1), ("TEE", wh2), ("CAP", wh1), ("PIN", wh1)):
        rule(api, sku, loc["id"], 1, 6)
    result = api.ok(api.post("/purchase-orders/replenish"))
    orders = {(po["supplier_name"], po["location_id"]): po for po in result["items"]}
    assert sorted(orders) == sorted([("Acme", wh1["id"]), ("Acme", wh2["id"]),
                                     ("Bandung", wh1["id"])])
    acme_wh1 = orders[("Acme", wh1["id"])]
    assert sorted((x["sku"], x["quantity"]) for x in acme_wh1["lines"]) == [
        ("MUG", 6), ("TEE", 6)]
    assert acme_wh1["total"] == "48.00"
    lead = ts(acme_wh1["expected_at"]) - ts(acme_wh1["created_at"])
    assert timedelta(days=9) - timedelta(seconds=5) < lead <= timedelta(days=9)
    assert [(u["sku"], u["location_id"]) for u in result["unsourced"]] == [("PIN", wh1["id"])]
    listed = api.ok(api.get("/purchase-orders", supplier_id=acme["id"], status="draft"))
    assert len(listed["items"]) == 2


def test_replenish_is_refused_to_a_clerk_and_allowed_to_the_warehouse(api: Api) -> None:
    assert api.post("/purchase-orders/replenish", role="clerk").status_code == 403
    assert api.get("/purchase-orders", role="clerk").status_code == 403
    assert api.post("/purchase-orders/replenish", role="accountant").status_code == 403
    assert api.get("/purchase-orders", role="accountant").status_code == 200
    assert api.ok(api.post("/purchase-orders/replenish", role="warehouse")) == {
        "items": [], "unsourced": []}


@pytest.mark.postgres_only
def test_two_replenish_runs_at_once_draft_once(api: Api, backend: str) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    rule(api, "TEE", wh["id"], 10, 20)
    offer(api, supplier(api, "Acme")["id"], "TEE", "5.00")
    engine = api.container.engine
    first_drafted = threading.Event()
    counts: dict[str, int] = {}

    def first() -> None:
        with engine.begin() as conn:
            counts["first"] = len(purchasing.replenish(conn, SYSTEM)["items"])
            first_drafted.set()
            # Hold the transaction open so the second run starts before this one commits.
            threading.Event().wait(0.5)

    def second() -> None:
        first_drafted.wait(5)
        with engine.begin() as conn:
            counts["second"] = len(purchasing.replenish(conn, SYSTEM)["items"])

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert counts == {"first": 1, "second": 0}
    assert len(api.ok(api.get("/purchase-orders"))["items"]) == 1


# --- purchase orders and receipts --------------------------------------------------------------

def _po_for_twenty(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """TEE (standard cost 6.00) with 10 on hand at WH1, and a draft PO for 20 at 7.50."""
    tee = api.product("TEE", standard_cost="6.00")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    acme = supplier(api, "Acme")
    offer(api, acme["id"], "TEE", "7.50", lead=4)
    po = purchase_order(api, acme["id"], wh["id"], [{"sku": "TEE", "quantity": 20}])
    return tee, wh, po


def test_a_purchase_order_by_hand_takes_the_offer_price_unless_given(api: Api) -> None:
    _, wh, po = _po_for_twenty(api)
    api.product("MUG")
    assert (po["number"], po["status"], po["total"]) == ("PO-000001", "draft", "150.00")
    assert [(x["sku"], x["quantity"], x["unit_cost"]) for x in po["lines"]] == [
        ("TEE", 20, "7.50")]
    lead = ts(po["expected_at"]) - ts(po["created_at"])
    assert timedelta(days=4) - timedelta(seconds=5) < lead <= timedelta(days=4)
    other = purchase_order(api, po["supplier_id"], wh["id"], [
        {"sku": "MUG", "quantity": 3, "unit_cost": "1.25"},
        {"sku": "TEE", "quantity": 2, "unit_cost": "7.00"}])
    assert (other["number"], other["total"]) == ("PO-000002", "17.75")
    assert [(x["sku"], x["unit_cost"]) for x in other["lines"]] == [("MUG", "1.25"),
                                                                     ("TEE", "7.00")]


def test_a_bad_purchase_order_is_refused_with_field_errors_and_writes_nothing(api: Api) -> None:
    api.product("TEE")
    api.product("EURO-TEE", currency="EUR")
    api.product("MUG")
    wh = api.location("WH1")
    acme = supplier(api, "Acme")
    offer(api, acme["id"], "TEE", "5.00", moq=10)
    before = snapshot(api.container.engine)
    resp = api.post("/purchase-orders", {"supplier_id": acme["id"], "location_id": wh["id"],
                                         "lines": [
        {"sku": "NOPE", "quantity": 1},
        {"sku": "EURO-TEE", "quantity": 1, "unit_cost": "1.00"},
        {"sku": "MUG", "quantity": 1},
        {"sku": "TEE", "quantity": 2},
        {"sku": "TEE", "quantity": 12},
    ]})
    assert resp.status_code == 422
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [
        ("lines[0].sku", "unknown_sku"), ("lines[1].sku", "wrong_currency"),
        ("lines[2].unit_cost", "no_offer"), ("lines[3].quantity", "below_min_order_qty"),
        ("lines[4].sku", "duplicate")]
    resp = api.post("/purchase-orders", {"supplier_id": "nobody", "location_id": "nowhere",
                                         "lines": [{"sku": "TEE", "quantity": 10}]})
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [
        ("supplier_id", "unknown_supplier"), ("location_id", "unknown_location")]
    resp = api.post("/purchase-orders", {"supplier_id": acme["id"], "location_id": wh["id"],
                                         "lines": [{"sku": "TEE", "quantity": 0}]})
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [
        ("lines[0].quantity", "greater_than")]
    assert snapshot(api.container.engine) == before


def test_partial_then_full_receipt_raises_on_hand_moves_average_cost_and_posts(api: Api) -> None:
    tee, wh, po = _po_for_twenty(api)
    assert average_cost(api, tee["id"]) == Decimal("6.00")
    first = api.ok(receive(api, po["id"], [{"sku": "TEE", "quantity": 10}]))
    assert first["status"] == "partially_received"
    assert [(x["quantity_received"], x["quantity_outstanding"]) for x in first["lines"]] == [
        (10, 10)]
    assert api.level("TEE", wh["id"])["on_hand"] == 20
    assert average_cost(api, tee["id"]) == Decimal("6.75")  # (10 x 6.00 + 10 x 7.50) / 20
    line_id = first["lines"][0]["id"]
    second = api.ok(receive(api, po["id"], [{"purchase_order_line_id": line_id,
                                             "quantity": 4}]))
    assert second["status"] == "partially_received"
    done = api.ok(receive(api, po["id"]))  # no body: everything outstanding (6)
    assert done["status"] == "received"
    assert [(x["quantity_received"], x["quantity_outstanding"]) for x in done["lines"]] == [
        (20, 0)]
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"], level["available"]) == (30, 0, 30)
    assert average_cost(api, tee["id"]) == Decimal("7.00")  # (20 x 6.75 + 10 x 7.50) / 30
    dr_cr = [("1200", Decimal("75.00"), Decimal(0)), ("2000", Decimal(0), Decimal("75.00"))]
    assert journal(api, po["id"]) == [
        dr_cr,
        [("1200", Decimal("30.00"), Decimal(0)), ("2000", Decimal(0), Decimal("30.00"))],
        [("1200", Decimal("45.00"), Decimal(0)), ("2000", Decimal(0), Decimal("45.00"))],
    ]
    moves = api.ok(api.get("/inventory/movements", product_id=tee["id"]))["items"]
    assert sorted((m["kind"], m["quantity"], m["reference_id"]) for m in moves) == [
        ("adjustment", 10, None), ("receipt", 4, po["id"]), ("receipt", 6, po["id"]),
        ("receipt", 10, po["id"])]
    assert event_types(api).count("purchase_order.received") == 3


def test_receiving_more_than_outstanding_is_refused_and_changes_nothing(api: Api) -> None:
    _, wh, po = _po_for_twenty(api)
    api.ok(receive(api, po["id"], [{"sku": "TEE", "quantity": 15}]))
    before = snapshot(api.container.engine)
    for lines, expected in (
        ([{"sku": "TEE", "quantity": 6}], [("lines[0].quantity", "exceeds_outstanding")]),
        ([{"sku": "TEE", "quantity": 3}, {"sku": "TEE", "quantity": 3}],
         [("lines[1].quantity", "exceeds_outstanding")]),
        ([{"sku": "MUG", "quantity": 1}], [("lines[0].sku", "not_on_order")]),
        ([{"purchase_order_line_id": "x" * 36, "quantity": 1}],
         [("lines[0].purchase_order_line_id", "not_on_order")]),
        ([{"sku": "TEE", "purchase_order_line_id": po["lines"][0]["id"], "quantity": 1}],
         [("lines[0]", "value_error")]),
    ):
        resp = receive(api, po["id"], lines)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
        assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == expected
    assert snapshot(api.container.engine) == before
    assert api.level("TEE", wh["id"])["on_hand"] == 25


def test_a_received_or_cancelled_purchase_order_cannot_be_received(api: Api) -> None:
    _, wh, po = _po_for_twenty(api)
    api.ok(receive(api, po["id"]))
    other = purchase_order(api, po["supplier_id"], wh["id"], [{"sku": "TEE", "quantity": 10}])
    cancelled = api.ok(api.post(f"/purchase-orders/{other['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    before = snapshot(api.container.engine)
    for po_id in (po["id"], other["id"]):
        resp = receive(api, po_id, [{"sku": "TEE", "quantity": 1}])
        assert resp.status_code == 409
        assert resp.json()["type"] == "/problems/invalid-transition"
    assert api.post(f"/purchase-orders/{po['id']}/cancel").status_code == 409
    assert receive(api, "0" * 36).status_code == 404
    assert snapshot(api.container.engine) == before
    listed = api.ok(api.get("/purchase-orders", status="cancelled"))["items"]
    assert [p["id"] for p in listed] == [other["id"]]


def test_a_partly_received_purchase_order_cannot_be_cancelled(api: Api) -> None:
    _, _, po = _po_for_twenty(api)
    api.ok(receive(api, po["id"], [{"sku": "TEE", "quantity": 1}]))
    resp = api.post(f"/purchase-orders/{po['id']}/cancel", {"reason": "late"})
    assert resp.status_code == 409
    assert api.ok(api.get(f"/purchase-orders/{po['id']}"))["status"] == "partially_received"


def test_a_receipt_sent_twice_with_one_idempotency_key_receives_once(api: Api) -> None:
    _, wh, po = _po_for_twenty(api)
    body = {"lines": [{"sku": "TEE", "quantity": 5}]}
    first = api.post(f"/purchase-orders/{po['id']}/receipts", body, idem="rcv-1")
    again = api.post(f"/purchase-orders/{po['id']}/receipts", body, idem="rcv-1")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    assert api.level("TEE", wh["id"])["on_hand"] == 15
