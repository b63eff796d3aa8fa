"""Oversell policy and backorders over HTTP: pegged to the line, limited, released on receipt
oldest first, cancelled with the order, audited."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.audit import checks
from tests.dbs import row_counts
from tests.factories import Api


def backorderable(api: Api, sku: str, limit: int) -> dict[str, Any]:
    product = api.product(sku)
    resp = api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                            json={"oversell_policy": "backorder", "backorder_limit": limit})
    return api.ok(resp)


def receive(api: Api, sku: str, location_id: str, quantity: int) -> None:
    supplier = api.ok(api.post("/suppliers", {"name": f"Supplier {sku}", "currency": "USD"}),
                      201)
    api.ok(api.post("/supplier-offers", {"supplier_id": supplier["id"], "sku": sku,
                                         "price": "5.00", "currency": "USD",
                                         "lead_time_days": 3, "min_order_qty": 1}), 201)
    po = api.ok(api.post("/purchase-orders", {"supplier_id": supplier["id"],
                                              "location_id": location_id,
                                              "lines": [{"sku": sku, "quantity": quantity}]}),
                201)
    api.ok(api.post(f"/purchase-orders/{po['id']}/receipts"))


def audit_breaches(api: Api) -> dict[str, list[checks.Breach]]:
    with checks.snapshot(api.container.read_engine) as conn:
        return {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok}


def timeline(api: Api, order_id: str) -> list[str]:
    return [e["message"] for e in api.ok(api.get(f"/orders/{order_id}/timeline"))["items"]]


def test_policy_and_limit_are_set_on_create_and_shown(api: Api) -> None:
    created = api.ok(api.post("/products", {
        "sku": "MUG", "name": "Mug", "price": "4.00", "currency": "USD",
        "oversell_policy": "backorder", "backorder_limit": 12}), 201)
    assert (created["oversell_policy"], created["backorder_limit"], created["backorder_open"]) \
        == ("backorder", 12, 0)
    assert api.product("PLAIN")["oversell_policy"] == "deny"


def test_a_short_line_under_the_backorder_policy_reserves_what_there_is_and_backorders_the_rest(
        api: Api) -> None:
    backorderable(api, "TEE", limit=10)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 3)
    order = api.order(api.customer()["id"], [("TEE", 7)])
    assert api.level("TEE", wh["id"])["reserved"] == 3
    items = api.ok(api.get("/backorders", order_id=order["id"]))["items"]
    assert [(b["sku"], b["quantity"], b["quantity_open"], b["status"], b["order_line_id"])
            for b in items] == [("TEE", 4, 4, "open", order["lines"][0]["id"])]
    assert api.ok(api.get(f"/products/{items[0]['product_id']}"))["backorder_open"] == 4
    assert any("TEE: 4 unit(s) backordered" in m for m in timeline(api, order["id"]))
    assert audit_breaches(api) == {}


def test_a_backorder_beyond_the_limit_is_refused_and_nothing_is_written(api: Api) -> None:
    backorderable(api, "TEE", limit=5)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 2)
    customer = api.customer()
    api.order(customer["id"], [("TEE", 5)])  # 2 reserved, 3 backordered: 2 units of room left
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = api.post("/orders", api.order_body(customer["id"], [("TEE", 3)]))
    assert resp.status_code == 409, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert doc["type"] == "/problems/insufficient-stock"
    assert [e["field"] for e in doc["errors"]] == ["lines[0].quantity"]
    assert "backorder room 2" in doc["detail"]
    assert row_counts(api.container.engine) == before
    api.order(customer["id"], [("TEE", 2)])  # exactly the room left is fine
    assert audit_breaches(api) == {}


def test_the_deny_policy_still_refuses_a_short_line(api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 1)
    resp = api.post("/orders", api.order_body(api.customer()["id"], [("TEE", 2)]))
    assert resp.status_code == 409
    assert api.ok(api.get("/backorders"))["items"] == []


def test_a_receipt_releases_backorders_oldest_first(api: Api) -> None:
    backorderable(api, "TEE", limit=100)
    wh = api.location("WH1")
    customer = api.customer()
    first = api.order(customer["id"], [("TEE", 4)])
    second = api.order(customer["id"], [("TEE", 5)])
    receive(api, "TEE", wh["id"], 6)
    open_ = {b["order_id"]: (b["quantity_open"], b["status"])
             for b in api.ok(api.get("/backorders"))["items"]}
    assert open_ == {first["id"]: (0, "filled"), second["id"]: (3, "open")}
    assert api.level("TEE", wh["id"])["reserved"] == 6
    assert "4 backordered unit(s) reserved at WH1 on receipt (backorder filled)" \
        in timeline(api, first["id"])
    assert "2 backordered unit(s) reserved at WH1 on receipt; 3 still on backorder" \
        in timeline(api, second["id"])
    assert api.ok(api.get("/products", sku="TEE"))["items"][0]["backorder_open"] == 3
    filled = api.ok(api.get("/backorders", status="filled"))["items"]
    assert [b["order_id"] for b in filled] == [first["id"]]
    assert audit_breaches(api) == {}


def test_cancelling_an_order_cancels_its_backorders_and_gives_back_the_room(api: Api) -> None:
    backorderable(api, "TEE", limit=4)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 1)
    order = api.order(api.customer()["id"], [("TEE", 5)])
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    (bo,) = api.ok(api.get("/backorders", order_id=order["id"]))["items"]
    assert (bo["status"], bo["quantity_open"]) == ("cancelled", 0)
    assert api.ok(api.get("/products", sku="TEE"))["items"][0]["backorder_open"] == 0
    assert api.level("TEE", wh["id"])["reserved"] == 0
    receive(api, "TEE", wh["id"], 3)  # nothing left to release
    assert api.level("TEE", wh["id"])["reserved"] == 0
    assert audit_breaches(api) == {}


def test_the_limit_cannot_drop_below_units_already_on_backorder(api: Api) -> None:
    product = backorderable(api, "TEE", limit=5)
    api.location("WH1")
    api.order(api.customer()["id"], [("TEE", 3)])
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                            json={"backorder_limit": 2})
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["field"] == "backorder_limit"
    assert row_counts(api.container.engine) == before


@pytest.mark.parametrize("body", [{"oversell_policy": "maybe"}, {"backorder_limit": -1}])
def test_a_bad_oversell_setting_is_refused(api: Api, body: dict[str, Any]) -> None:
    product = api.product("TEE")
    resp = api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                            json=body)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == next(iter(body))
    assert api.ok(api.get(f"/products/{product['id']}")) == product


def test_the_backorder_list_pages_with_a_cursor(api: Api) -> None:
    backorderable(api, "TEE", limit=10)
    api.location("WH1")
    customer = api.customer()
    orders = [api.order(customer["id"], [("TEE", 1)]) for _ in range(3)]
    page1 = api.ok(api.get("/backorders", limit=2))
    page2 = api.ok(api.get("/backorders", limit=2, cursor=page1["next_cursor"]))
    assert [b["order_id"] for b in page1["items"] + page2["items"]] == \
        [o["id"] for o in reversed(orders)]
    assert page2["next_cursor"] is None


def fulfilment_orders(api: Api, order_id: str) -> list[tuple[str, str, str, int]]:
    """(number, location code, status, units) per fulfilment order of the order."""
    return [(f["number"], f["location_code"], f["status"], f["units"])
            for f in api.ok(api.get(f"/orders/{order_id}/fulfilment-orders"))["items"]]


def test_released_backorder_units_join_the_open_fulfilment_order_at_that_location(
        api: Api) -> None:
    backorderable(api, "TEE", limit=10)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 3)
    order = api.order(api.customer()["id"], [("TEE", 7)])  # 3 reserved, 4 on backorder
    (fo,) = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]

    receive(api, "TEE", wh["id"], 4)

    assert fulfilment_orders(api, order["id"]) == [("SO-000001-1", "WH1", "open", 7)]
    lines = api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))["lines"]
    assert [(x["sku"], x["quantity"], x["quantity_shipped"]) for x in lines] == [("TEE", 7, 0)]
    assert audit_breaches(api) == {}


def test_released_backorder_units_get_a_new_fulfilment_order_when_the_open_one_is_packed(
        api: Api) -> None:
    backorderable(api, "TEE", limit=10)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 3)
    order = api.order(api.customer()["id"], [("TEE", 7)])
    (fo,) = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))

    receive(api, "TEE", wh["id"], 4)

    assert fulfilment_orders(api, order["id"]) == [("SO-000001-1", "WH1", "packed", 3),
                                                   ("SO-000001-2", "WH1", "open", 4)]
    assert audit_breaches(api) == {}


def test_released_backorder_units_join_a_picking_fulfilment_order_line_by_line(
        api: Api) -> None:
    backorderable(api, "TEE", limit=10)
    api.product("CAP")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 1)
    api.stock("CAP", wh["id"], 2)
    order = api.order(api.customer()["id"], [("TEE", 3), ("CAP", 2)])
    (fo,) = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pick"))

    receive(api, "TEE", wh["id"], 1)  # one of the two backordered units

    assert fulfilment_orders(api, order["id"]) == [("SO-000001-1", "WH1", "picking", 4)]
    lines = api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))["lines"]
    assert [(x["sku"], x["quantity"]) for x in lines] == [("TEE", 2), ("CAP", 2)]
    assert audit_breaches(api) == {}
