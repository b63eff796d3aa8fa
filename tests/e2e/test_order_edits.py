"""Order edits: versioned, re-priced, re-reserved all or nothing, with the money picture."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dbs import snapshot
from tests.factories import Api

SHIP = {"carrier": "JNE", "service": "parcel", "tracking_number": "T1"}


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    tee = api.product("TEE", price="20.00", tax_rate="0.10")
    mug = api.product("MUG", price="5.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    api.stock("MUG", wh["id"], 10)
    return {"customer": api.customer(), "wh": wh, "tee": tee, "mug": mug}


def _edit(api: Api, order: dict[str, Any], changes: list[dict[str, Any]], **extra: Any
          ) -> dict[str, Any]:
    return api.ok(api.post(f"/orders/{order['id']}/edits", {"changes": changes, **extra}))


def _reserved(api: Api, shop: dict[str, Any], sku: str) -> int:
    return int(api.level(sku, shop["wh"]["id"])["reserved"])


def _refused(api: Api, order: dict[str, Any], body: dict[str, Any], status: int, problem: str,
             field: str | None = None) -> dict[str, Any]:
    api.key("admin")
    before = snapshot(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/edits", body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert doc["type"] == f"/problems/{problem}"
    if field is not None:
        assert field in [e["field"] for e in doc["errors"]], doc
    assert snapshot(api.container.engine) == before
    return doc


def test_changing_a_quantity_reprices_and_rereserves(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2), ("MUG", 1)])
    tee = order["lines"][0]
    edited = _edit(api, order, [{"op": "set_quantity", "line_id": tee["id"], "quantity": 5}],
                   expected_version=order["version"], note="buyer called")
    assert [(x["sku"], x["quantity"], x["total"]) for x in edited["lines"]] == [
        ("TEE", 5, "110.00"), ("MUG", 1, "5.50")]
    assert (edited["subtotal"], edited["tax_total"], edited["total"]) == (
        "105.00", "10.50", "115.50")
    assert edited["version"] == order["version"] + 1
    assert _reserved(api, shop, "TEE") == 5
    assert _reserved(api, shop, "MUG") == 1
    rev = edited["revision"]
    assert (rev["version"], rev["total_before"], rev["total_after"], rev["balance_due"],
            rev["refund_due"], rev["note"]) == (1, "49.50", "115.50", "115.50", "0.00",
                                                "buyer called")
    assert rev["changes"] == [{"op": "set_quantity", "line_id": tee["id"], "sku": "TEE",
                               "from": 2, "to": 5}]
    last = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    edited_notes = [e["message"] for e in last if e["kind"] == "order.edited"]
    assert edited_notes == ["Edited (revision 1): TEE 2 -> 5; total 49.50 -> 115.50 USD; "
                            "balance due 115.50 USD"]


def test_an_added_line_takes_todays_price_and_kept_lines_keep_theirs(
        api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    resp = api.client.patch(f"/api/v1/products/{shop['tee']['id']}", json={"price": "30.00"},
                            headers=api.headers())
    assert resp.status_code == 200, resp.text
    edited = _edit(api, order, [
        {"op": "set_quantity", "line_id": order["lines"][0]["id"], "quantity": 2},
        {"op": "add_line", "sku": "TEE", "quantity": 1}])
    assert [(x["line_no"], x["quantity"], x["unit_price"]) for x in edited["lines"]] == [
        (1, 2, "20.00"), (2, 1, "30.00")]
    assert edited["total"] == "77.00"
    assert _reserved(api, shop, "TEE") == 3


def test_removing_a_line_releases_its_stock_and_keeps_the_row_at_zero(
        api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2), ("MUG", 3)])
    edited = _edit(api, order, [{"op": "remove_line", "line_id": order["lines"][1]["id"]}])
    assert [(x["sku"], x["quantity"], x["total"]) for x in edited["lines"]] == [
        ("TEE", 2, "44.00"), ("MUG", 0, "0.00")]
    assert edited["total"] == "44.00"
    assert _reserved(api, shop, "MUG") == 0
    assert _reserved(api, shop, "TEE") == 2


def test_changing_the_address(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    address = {"name": "Ada", "line1": "2 Jalan Baru", "city": "Bandung", "country": "ID"}
    edited = _edit(api, order, [{"op": "set_shipping_address", "address": address}])
    assert edited["shipping_address"]["city"] == "Bandung"
    assert edited["total"] == order["total"]


def test_lowering_a_paid_order_leaves_a_refund_due_and_raising_it_a_balance(
        api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2)])  # 44.00
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": "44.00", "method": "card"}), 201)
    line = order["lines"][0]["id"]
    lower = _edit(api, order, [{"op": "set_quantity", "line_id": line, "quantity": 1}])
    assert (lower["total"], lower["amount_paid"], lower["financial_status"]) == (
        "22.00", "44.00", "paid")
    assert (lower["revision"]["refund_due"], lower["revision"]["balance_due"]) == (
        "22.00", "0.00")
    higher = _edit(api, order, [{"op": "set_quantity", "line_id": line, "quantity": 3}])
    assert (higher["total"], higher["financial_status"]) == ("66.00", "partially_paid")
    assert (higher["revision"]["version"], higher["revision"]["balance_due"]) == (2, "22.00")
    revs = api.ok(api.get(f"/orders/{order['id']}/revisions"))["items"]
    assert [r["version"] for r in revs] == [1, 2]
    messages = [e["message"] for e in api.ok(api.get(
        f"/orders/{order['id']}/timeline"))["items"] if e["kind"] == "order.edited"]
    assert "refund due 22.00 USD" in messages[0]
    assert "balance due 22.00 USD" in messages[1]


def test_an_edited_held_order_stays_held(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "check"}))
    edited = _edit(api, order, [{"op": "add_line", "sku": "MUG", "quantity": 2}])
    assert edited["status"] == "on_hold"
    assert _reserved(api, shop, "MUG") == 2


# --- refused edits change nothing -------------------------------------------------------------

def test_more_than_can_be_reserved_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2), ("MUG", 1)])
    doc = _refused(api, order, {"changes": [
        {"op": "set_quantity", "line_id": order["lines"][1]["id"], "quantity": 2},
        {"op": "set_quantity", "line_id": order["lines"][0]["id"], "quantity": 11}]},
        409, "insufficient-stock", "changes[1].quantity")
    assert "TEE: 11 requested, 10 available" in doc["detail"]


def test_an_added_line_beyond_stock_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    _refused(api, order, {"changes": [{"op": "add_line", "sku": "MUG", "quantity": 11}]},
             409, "insufficient-stock", "changes[0].quantity")


def test_a_stale_expected_version_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    _edit(api, order, [{"op": "set_quantity", "line_id": order["lines"][0]["id"],
                        "quantity": 3}])
    _refused(api, order, {"expected_version": order["version"], "changes": [
        {"op": "set_quantity", "line_id": order["lines"][0]["id"], "quantity": 4}]},
        409, "conflict", "expected_version")


def test_an_unknown_line_or_sku_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    _refused(api, order, {"changes": [{"op": "remove_line", "line_id": "nope"}]},
             422, "validation-error", "changes[0].line_id")
    _refused(api, order, {"changes": [{"op": "add_line", "sku": "NOPE", "quantity": 1}]},
             422, "validation-error", "changes[0].sku")
    _refused(api, order, {"changes": [{"op": "resize", "line_id": "x"}]},
             422, "validation-error")


def test_removing_every_line_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    _refused(api, order, {"changes": [{"op": "remove_line", "line_id": order["lines"][0]["id"]}]},
             422, "validation-error", "changes")


def test_a_shipped_line_cannot_go_below_what_was_shipped(api: Api, shop: dict[str, Any]
                                                         ) -> None:
    # TEE ships from WH1; MUG only from WH2, so it has its own fulfilment order, not started.
    api.product("CUP", price="5.00", tax_rate="0.10")
    api.stock("CUP", api.location("WH2")["id"], 5)
    order = api.order(shop["customer"]["id"], [("TEE", 4), ("CUP", 1)])
    tee, cup = (x["id"] for x in order["lines"])
    api.ok(api.post(f"/orders/{order['id']}/shipments",
                    {**SHIP, "lines": [{"order_line_id": tee, "quantity": 4}]}), 201)
    _refused(api, order, {"changes": [{"op": "set_quantity", "line_id": tee, "quantity": 3}]},
             409, "conflict", "changes[0].quantity")
    _refused(api, order, {"changes": [{"op": "remove_line", "line_id": tee}]},
             409, "conflict", "changes[0].line_id")
    # The unshipped line can still change; the shipped one may grow.
    edited = _edit(api, order, [{"op": "set_quantity", "line_id": cup, "quantity": 2},
                                {"op": "set_quantity", "line_id": tee, "quantity": 5}])
    assert [(x["quantity"], x["quantity_shipped"]) for x in edited["lines"]] == [(5, 4), (2, 0)]
    assert _reserved(api, shop, "TEE") == 1
    assert edited["fulfillment_status"] == "partially_fulfilled"


def test_a_cancelled_or_fully_shipped_order_cannot_be_edited(api: Api, shop: dict[str, Any]
                                                             ) -> None:
    cancelled = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{cancelled['id']}/cancel"))
    body = {"changes": [{"op": "add_line", "sku": "MUG", "quantity": 1}]}
    _refused(api, cancelled, body, 409, "invalid-transition")
    shipped = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{shipped['id']}/shipments", SHIP), 201)
    _refused(api, shipped, body, 409, "invalid-transition")


def test_an_unknown_order_is_not_found(api: Api, shop: dict[str, Any]) -> None:
    resp = api.post("/orders/01900000-0000-7000-8000-000000000000/edits",
                    {"changes": [{"op": "add_line", "sku": "TEE", "quantity": 1}]})
    assert resp.status_code == 404
    assert api.get("/orders/01900000-0000-7000-8000-000000000000/revisions").status_code == 404


def test_a_completed_order_cannot_be_edited(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    [shipment] = api.ok(api.post(f"/orders/{order['id']}/shipments", SHIP), 201)["items"]
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": "22.00", "method": "card"}),
           201)
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "completed"
    doc = _refused(api, order, {"changes": [{"op": "add_line", "sku": "MUG", "quantity": 1}]},
                   409, "invalid-transition")
    assert "completed" in doc["detail"]


def test_an_order_being_packed_cannot_be_edited_or_held(api: Api, shop: dict[str, Any]
                                                        ) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))
    _refused(api, order, {"changes": [{"op": "add_line", "sku": "MUG", "quantity": 1}]},
             409, "conflict", "fulfilment_order")
    before = snapshot(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/hold", {"reason": "check"})
    assert resp.status_code == 409, resp.text
    assert snapshot(api.container.engine) == before
