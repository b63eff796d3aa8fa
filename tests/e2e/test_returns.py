"""Returns over HTTP on SQLite and PostgreSQL: deliver -> request -> approve -> receive (restock,
quarantine, scrap) -> credit note -> refund, with exact books and a clean audit; and every bad
input refused with a problem and nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner

from pesanan.cli import app as cli
from pesanan.config import get_settings
from tests.dbs import row_counts
from tests.factories import Api

YEAR = datetime.now(UTC).year


def _balances(api: Api) -> dict[str, str]:
    tb = api.ok(api.get("/ledger/trial-balance"))
    assert tb["balanced"] is True
    (usd,) = tb["currencies"]
    assert usd["total_debit"] == usd["total_credit"]
    return {a["code"]: a["balance"] for a in usd["accounts"]}


def _audit_clean(api: Api) -> None:
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["audit"], env={
        "PESANAN_DATABASE_URL": api.container.settings.database_url})
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output


def _shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="100.00", tax_rate="0.10", standard_cost="40.00")
    api.product("MUG", price="20.00", tax_rate="0.10", standard_cost="8.00")
    api.product("CAP", price="15.00", tax_rate="0.10", standard_cost="5.00")
    wh = api.location("WH")
    for sku in ("TEE", "MUG", "CAP"):
        api.stock(sku, wh["id"], 10)
    return {"wh": wh, "buyer": api.customer("Sari")}


def _order(api: Api, shop: dict[str, Any], lines: list[tuple[str, int]], *, pay: str | None,
           deliver: bool = True, ship: bool = True) -> dict[str, Any]:
    order = api.order(shop["buyer"]["id"], lines)
    oid = order["id"]
    api.ok(api.post(f"/orders/{oid}/invoices", {}), 201)
    if pay:
        api.ok(api.post(f"/orders/{oid}/payments", {"amount": pay, "method": "card"}), 201)
    if ship:
        shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
            "carrier": "JNE", "service": "parcel", "tracking_number": f"T{order['number']}"}),
            201)
        if deliver:
            for s in shipped["items"]:
                api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return api.ok(api.get(f"/orders/{oid}"))


def _line(order: dict[str, Any], sku: str) -> str:
    return str(next(x["id"] for x in order["lines"] if x["sku"] == sku))


def _requested(api: Api, order: dict[str, Any], lines: list[tuple[str, int]]
               ) -> dict[str, Any]:
    return api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"order_line_id": _line(order, s), "quantity": q, "reason": "does not fit"}
        for s, q in lines]}), 201)


def _received(api: Api, order: dict[str, Any], wh: dict[str, Any],
              lines: list[tuple[str, int, str]]) -> dict[str, Any]:
    rma = _requested(api, order, [(s, q) for s, q, _ in lines])
    api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
    dispositions = {s: d for s, _, d in lines}
    return api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": wh["id"],
        "lines": [{"rma_line_id": x["id"], "disposition": dispositions[x["sku"]]}
                  for x in rma["lines"]]}))


def test_a_return_is_received_credited_and_refunded_with_exact_books(api: Api) -> None:
    shop = _shop(api)
    wh = shop["wh"]
    order = _order(api, shop, [("TEE", 3), ("MUG", 2), ("CAP", 1)], pay="390.50")
    assert (order["total"], order["status"]) == ("390.50", "completed")
    before = _balances(api)
    assert (before["1000"], before["5000"], before["1200"]) == ("390.50", "141.00", "389.00")

    rma = _requested(api, order, [("TEE", 2), ("MUG", 1), ("CAP", 1)])
    assert rma["number"] == f"RMA-{YEAR}-000001"
    assert rma["status"] == "requested"
    assert [(x["sku"], x["quantity"]) for x in rma["lines"]] == [("TEE", 2), ("MUG", 1),
                                                                  ("CAP", 1)]
    approved = api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "within 30 days"}))
    assert approved["status"] == "approved"
    disposition = {"TEE": "restock", "MUG": "quarantine", "CAP": "scrap"}
    received = api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": wh["id"],
        "lines": [{"rma_line_id": x["id"], "disposition": disposition[x["sku"]]}
                  for x in rma["lines"]]}))
    assert received["status"] == "received"
    assert [(x["sku"], x["disposition"]) for x in received["lines"]] == [
        ("TEE", "restock"), ("MUG", "quarantine"), ("CAP", "scrap")]

    # Restocked units are back on hand; quarantined ones are ours but not sellable; scrap gone.
    assert api.level("TEE", wh["id"])["on_hand"] == 9
    mug = api.level("MUG", wh["id"])
    assert (mug["on_hand"], mug["quarantined"]) == (8, 1)
    assert api.level("CAP", wh["id"])["on_hand"] == 9
    moves = api.ok(api.get("/inventory/movements", location_id=wh["id"], limit=250))["items"]
    returns = [(m["quantity"], m["kind"]) for m in moves if m["kind"] == "return"]
    assert returns == [(2, "return")]

    # Credit note: TEE 2 x 100 + 10% = 220.00, MUG 20 + 2 = 22.00, CAP (its whole line) 16.50.
    cn = api.ok(api.get(f"/credit-notes/{received['credit_note_id']}"))
    assert cn["number"] == f"CN-{YEAR}-000001"
    assert (cn["subtotal"], cn["tax_total"], cn["total"]) == ("235.00", "23.50", "258.50")
    assert (cn["amount_applied"], cn["amount_open"]) == ("0.00", "258.50")
    invoice = api.ok(api.get("/invoices", order_id=order["id"]))["items"][0]
    shown = api.ok(api.get(f"/invoices/{invoice['id']}"))["credit_notes"]
    assert [c["number"] for c in shown] == [cn["number"]]

    refunded = api.ok(api.post(f"/returns/{rma['id']}/refund",
                               {"method": "card", "reference": "RF-1"}))
    assert refunded["status"] == "refunded"
    assert refunded["refund"]["amount"] == "258.50"
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert after["financial_status"] == "partially_refunded"
    assert after["amount_refunded"] == "258.50"
    assert [r["amount"] for r in api.ok(api.get("/refunds"))["items"]] == ["258.50"]
    assert api.ok(api.post(f"/returns/{rma['id']}/close"))["status"] == "closed"

    books = _balances(api)
    assert books["1000"] == "132.00"  # 390.50 paid - 258.50 refunded
    assert books["1100"] == "0.00"  # credit note and refund cancel out
    assert books["4000"] == "-120.00"  # 355.00 revenue - 235.00 credited
    assert books["2100"] == "-12.00"  # 35.50 tax - 23.50 credited
    assert books["5000"] == "53.00"  # 141.00 COGS - 88.00 back (2 x 40 restock, 8 quarantine)
    assert books["1200"] == "477.00"  # 389.00 + 88.00
    kinds = [e["kind"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    for kind in ("return.requested", "return.approved", "credit_note.issued",
                 "return.received", "refund.recorded", "return.refunded", "return.closed"):
        assert kind in kinds
    _audit_clean(api)


def test_a_partial_return_of_a_partly_paid_order_settles_the_invoice_first(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="30.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    cn = api.ok(api.get(f"/credit-notes/{received['credit_note_id']}"))
    # 110.00 credited: 80.00 settles what was still owed, 30.00 (what was paid) is open.
    assert (cn["total"], cn["amount_applied"], cn["amount_open"]) == ("110.00", "80.00", "30.00")
    refunded = api.ok(api.post(f"/returns/{received['id']}/refund", {"method": "cash"}))
    assert refunded["refund"]["amount"] == "30.00"
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["financial_status"], after["amount_refunded"]) == ("refunded", "30.00")
    assert _balances(api)["1100"] == "0.00"
    _audit_clean(api)


def test_an_exchange_pays_the_replacement_order_from_the_credit(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="110.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    done = api.ok(api.post(f"/returns/{received['id']}/exchange",
                           {"lines": [{"sku": "MUG", "quantity": 2}], "note": "wants mugs"}))
    assert done["status"] == "exchanged"
    new = done["exchange_order"]
    assert (new["total"], new["amount_paid"], new["financial_status"]) == (
        "44.00", "44.00", "paid")
    cn = api.ok(api.get(f"/credit-notes/{received['credit_note_id']}"))
    assert (cn["amount_applied"], cn["amount_open"]) == ("44.00", "66.00")
    assert _balances(api)["1100"] == "-66.00"  # still owed to the customer
    _audit_clean(api)


# --- bad input: a problem, and nothing changed -------------------------------------------------

def _refused(api: Api, path: str, body: Any, status: int, problem: str,
             field: str | None = None, code: str | None = None, role: str = "admin"
             ) -> dict[str, Any]:
    api.key(role)
    before = row_counts(api.container.engine)
    resp = api.post(path, body, role=role)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert (doc["type"], doc["status"]) == (f"/problems/{problem}", status)
    if field is not None:
        assert (field, code) in [(e["field"], e["code"]) for e in doc["errors"]], doc
    assert row_counts(api.container.engine) == before
    return doc


def test_returning_more_than_delivered_is_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 3)], pay="330.00")
    _requested(api, order, [("TEE", 2)])
    body = {"order_id": order["id"], "lines": [
        {"order_line_id": _line(order, "TEE"), "quantity": 2, "reason": "changed mind"}]}
    doc = _refused(api, "/returns", body, 422, "validation-error", "lines[0].quantity",
                   "exceeds_delivered")
    assert "at most 1" in doc["errors"][0]["message"]


def test_returning_an_undelivered_order_is_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay=None, deliver=False)
    body = {"order_id": order["id"], "lines": [{"sku": "TEE", "quantity": 1, "reason": "x"}]}
    _refused(api, "/returns", body, 409, "conflict")


def test_an_unknown_line_is_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1), ("MUG", 1)], pay="132.00")
    body = {"order_id": order["id"], "lines": [
        {"order_line_id": "no-such-line", "quantity": 1, "reason": "x"}]}
    _refused(api, "/returns", body, 422, "validation-error", "lines[0].order_line_id",
             "unknown_line")
    rma = _requested(api, order, [("TEE", 1)])
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    _refused(api, f"/returns/{rma['id']}/receive", {
        "location_id": shop["wh"]["id"],
        "lines": [{"rma_line_id": "no-such-line", "disposition": "restock"}]},
        422, "validation-error", "lines[0].rma_line_id", "unknown_line")


def test_refunding_more_than_was_paid_is_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="30.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    _refused(api, f"/returns/{received['id']}/refund", {"amount": "50.00", "method": "card"},
             422, "validation-error", "amount", "exceeds_refundable")
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_refunded"] == "0.00"


def test_receiving_twice_and_rejecting_after_receipt_are_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2)], pay="220.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    line = received["lines"][0]["id"]
    _refused(api, f"/returns/{received['id']}/receive", {
        "location_id": shop["wh"]["id"], "lines": [{"rma_line_id": line,
                                                    "disposition": "restock"}]},
        409, "invalid-transition")
    _refused(api, f"/returns/{received['id']}/reject", {"reason": "too late"}, 409,
             "invalid-transition")
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 9


def test_a_warehouse_user_cannot_refund(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="110.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "scrap")])
    _refused(api, f"/returns/{received['id']}/refund", {"method": "card"}, 403, "forbidden",
             role="warehouse")


def test_a_warehouse_user_cannot_exchange_and_a_clerk_cannot_receive(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2)], pay="220.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    _refused(api, f"/returns/{received['id']}/exchange",
             {"lines": [{"sku": "MUG", "quantity": 1}]}, 403, "forbidden", role="warehouse")
    rma = _requested(api, order, [("TEE", 1)])
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    _refused(api, f"/returns/{rma['id']}/receive", {
        "location_id": shop["wh"]["id"],
        "lines": [{"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]},
        403, "forbidden", role="clerk")
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 9


def test_a_rejected_return_gives_its_units_back(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="110.00")
    rma = _requested(api, order, [("TEE", 1)])
    rejected = api.ok(api.post(f"/returns/{rma['id']}/reject", {"reason": "worn"}))
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "worn")
    again = _requested(api, order, [("TEE", 1)])
    assert again["number"] == f"RMA-{YEAR}-000002"
    listed = api.ok(api.get("/returns", status="rejected"))["items"]
    assert [x["id"] for x in listed] == [rma["id"]]


def test_exchanging_before_the_goods_arrive_is_refused(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="110.00")
    rma = _requested(api, order, [("TEE", 1)])
    _refused(api, f"/returns/{rma['id']}/exchange", {"lines": [{"sku": "MUG", "quantity": 1}]},
             409, "invalid-transition")


def test_a_replayed_receipt_moves_stock_once(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2)], pay="220.00")
    rma = _requested(api, order, [("TEE", 2)])
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    body = {"location_id": shop["wh"]["id"],
            "lines": [{"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]}
    first = api.post(f"/returns/{rma['id']}/receive", body, idem="rcv-1")
    second = api.post(f"/returns/{rma['id']}/receive", body, idem="rcv-1")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json()
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 10
    assert len(api.ok(api.get("/credit-notes"))["items"]) == 1


def test_returns_are_listed_newest_first_a_page_at_a_time(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 3)], pay="330.00")
    made = [_requested(api, order, [("TEE", 1)])["number"] for _ in range(3)]
    first = api.ok(api.get("/returns", limit=2, order_id=order["id"]))
    assert [x["number"] for x in first["items"]] == made[:0:-1]
    rest = api.ok(api.get("/returns", limit=2, cursor=first["next_cursor"]))
    assert ([x["number"] for x in rest["items"]], rest["next_cursor"]) == ([made[0]], None)
    bad = api.get("/returns", cursor="not-a-cursor")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_receiving_at_an_unknown_location_or_for_an_uninvoiced_order_is_refused(
        api: Api) -> None:
    shop = _shop(api)
    order = api.order(shop["buyer"]["id"], [("TEE", 1)])
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T9"}), 201)
    api.ok(api.post(f"/shipments/{shipped['items'][0]['id']}/deliver"))
    rma = _requested(api, api.ok(api.get(f"/orders/{order['id']}")), [("TEE", 1)])
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    lines = [{"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]
    _refused(api, f"/returns/{rma['id']}/receive", {"location_id": "nowhere", "lines": lines},
             422, "validation-error", "location_id", "unknown_location")
    doc = _refused(api, f"/returns/{rma['id']}/receive",
                   {"location_id": shop["wh"]["id"], "lines": lines}, 409, "conflict")
    assert "invoice the order first" in doc["detail"]
