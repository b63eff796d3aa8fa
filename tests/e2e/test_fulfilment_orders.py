"""Fulfilment orders over HTTP: release at placement, pick list, pick/pack/ship with a carrier,
partial and split shipments, delivered and failed delivery, withdrawal on cancel and hold, and
the refusals that must change nothing."""

from __future__ import annotations

from typing import Any

from pesanan.audit import checks
from tests.dbs import snapshot
from tests.factories import Api

UPS = {"code": "UPS", "name": "United Parcel Service",
       "tracking_url_template": "https://track.example.com/{tracking}"}


def _shop(api: Api, on_hand: int = 10) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE", price="12.50", standard_cost="6.00")
    api.product("MUG", price="5.00", standard_cost="2.00")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], on_hand)
    api.stock("MUG", wh["id"], on_hand)
    return wh, api.customer()


def _fos(api: Api, order_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok(api.get(f"/orders/{order_id}/fulfilment-orders")
                                         )["items"]
    return items


def _fo(api: Api, fo_id: str) -> dict[str, Any]:
    return api.ok(api.get(f"/fulfilment-orders/{fo_id}"))


def _audit_clean(api: Api) -> None:
    with checks.snapshot(api.container.engine) as conn:
        assert [(r.check.name, r.breaches) for r in checks.run_all(conn) if not r.ok] == []


def _ship_fo(api: Api, fo_id: str, lines: list[dict[str, Any]] | None = None,
             tracking: str = "1Z001") -> dict[str, Any]:
    body: dict[str, Any] = {"carrier": "UPS", "service": "parcel", "tracking_number": tracking}
    if lines is not None:
        body["lines"] = lines
    return api.ok(api.post(f"/fulfilment-orders/{fo_id}/shipments", body), 201)


def test_placing_an_order_releases_one_fulfilment_order_with_its_lines(api: Api) -> None:
    wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3), ("MUG", 2)])
    [fo] = _fos(api, order["id"])
    assert (fo["number"], fo["status"], fo["location_id"], fo["location_code"]) == (
        "SO-000001-1", "open", wh["id"], "WH1")
    assert [(x["sku"], x["quantity"], x["quantity_picked"], x["quantity_shipped"])
            for x in fo["lines"]] == [("TEE", 3, 0, 0), ("MUG", 2, 0, 0)]
    assert [x["order_line_id"] for x in fo["lines"]] == [x["id"] for x in order["lines"]]
    listed = api.ok(api.get("/fulfilment-orders", location_id=wh["id"], status="open"))
    assert [(x["id"], x["units"], x["units_shipped"]) for x in listed["items"]] == [
        (fo["id"], 5, 0)]
    assert api.ok(api.get("/fulfilment-orders", status="packed"))["items"] == []
    _audit_clean(api)


def test_an_order_reserved_in_two_locations_gets_one_fulfilment_order_per_location(
        api: Api) -> None:
    wh1, cust = _shop(api, on_hand=2)
    wh2 = api.location("WH2")
    api.stock("TEE", wh2["id"], 5)
    order = api.order(cust["id"], [("TEE", 4)])
    fos = _fos(api, order["id"])
    assert sorted((f["location_code"], f["lines"][0]["quantity"]) for f in fos) == (
        sorted((api.ok(api.get(f"/locations/{w['id']}"))["code"],
                api.level("TEE", w["id"])["reserved"]) for w in (wh1, wh2)
               if api.level("TEE", w["id"])["reserved"]))
    assert sum(f["units"] for f in fos) == 4
    _audit_clean(api)


def test_the_pick_list_names_sku_name_quantity_and_location(api: Api) -> None:
    _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3), ("MUG", 2)],
                      shipping_address={"name": "Ada", "line1": "1 Jalan Sudirman",
                                        "city": "Jakarta", "country": "ID"})
    [fo] = _fos(api, order["id"])
    picks = api.ok(api.get(f"/fulfilment-orders/{fo['id']}/pick-list"))
    assert [(x["sku"], x["name"], x["quantity"], x["location_code"]) for x in picks["lines"]] == [
        ("MUG", "Product MUG", 2, "WH1"), ("TEE", "Product TEE", 3, "WH1")]
    assert (picks["units"], picks["location"]["code"], picks["ship_to"]["city"]) == (
        5, "WH1", "Jakarta")
    assert api.get("/fulfilment-orders/0190a8c2-0000-7000-8000-000000000000/pick-list"
                   ).status_code == 404


def test_pick_pack_ship_with_a_carrier_gives_a_tracking_url_then_delivered(api: Api) -> None:
    wh, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    assert api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pick"))["status"] == "picking"
    packed = api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))
    assert (packed["status"], packed["lines"][0]["quantity_picked"]) == ("packed", 3)
    shipment = _ship_fo(api, fo["id"], tracking="1Z 99/A")
    assert (shipment["carrier"], shipment["tracking_number"], shipment["tracking_url"],
            shipment["fulfilment_order_id"]) == (
        "UPS", "1Z 99/A", "https://track.example.com/1Z%2099%2FA", fo["id"])
    assert [(x["sku"], x["quantity"]) for x in shipment["lines"]] == [("TEE", 3)]
    after = _fo(api, fo["id"])
    assert (after["status"], after["lines"][0]["quantity_shipped"]) == ("shipped", 3)
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"]) == (7, 0)
    assert api.ok(api.get(f"/orders/{order['id']}"))["fulfillment_status"] == "fulfilled"
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    assert _fo(api, fo["id"])["status"] == "delivered"
    _audit_clean(api)


def test_partial_then_split_shipments_of_one_fulfilment_order(api: Api) -> None:
    wh, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3), ("MUG", 2)])
    [fo] = _fos(api, order["id"])
    first = _ship_fo(api, fo["id"], [{"sku": "TEE", "quantity": 1}], tracking="A1")
    assert _fo(api, fo["id"])["status"] == "partially_shipped"
    assert api.ok(api.get(f"/orders/{order['id']}"))["fulfillment_status"] == (
        "partially_fulfilled")
    second = _ship_fo(api, fo["id"], tracking="A2")
    assert [(x["sku"], x["quantity"]) for x in second["lines"]] == [("TEE", 2), ("MUG", 2)]
    done = _fo(api, fo["id"])
    assert (done["status"], [s["number"] for s in done["shipments"]]) == (
        "shipped", [first["number"], second["number"]])
    api.ok(api.post(f"/shipments/{first['id']}/deliver"))
    assert _fo(api, fo["id"])["status"] == "shipped"  # one parcel still on its way
    api.ok(api.post(f"/shipments/{second['id']}/deliver"))
    assert _fo(api, fo["id"])["status"] == "delivered"
    assert (api.level("TEE", wh["id"])["on_hand"], api.level("MUG", wh["id"])["on_hand"]) == (
        7, 8)
    _audit_clean(api)


def test_shipping_by_order_goes_through_the_fulfilment_orders(api: Api) -> None:
    _, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    [shipment] = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "UPS", "service": "parcel", "tracking_number": "Z1",
        "lines": [{"sku": "TEE", "quantity": 2}]}), 201)["items"]
    assert (shipment["fulfilment_order_id"], shipment["tracking_url"]) == (
        fo["id"], "https://track.example.com/Z1")
    after = _fo(api, fo["id"])
    assert (after["status"], after["lines"][0]["quantity_shipped"]) == ("partially_shipped", 2)
    # A carrier nobody configured still ships by order (free text), just without a link.
    [other] = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "Pos Indonesia", "service": "parcel", "tracking_number": "P1"}), 201)["items"]
    assert (other["tracking_url"], _fo(api, fo["id"])["status"]) == (None, "shipped")
    _audit_clean(api)


def test_a_failed_delivery_keeps_stock_out_and_the_order_open_until_redelivered(
        api: Api) -> None:
    wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 2)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": order["total"], "method": "card"}), 201)
    [shipment] = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "DHL", "service": "parcel", "tracking_number": "F1"}), 201)["items"]
    failed = api.ok(api.post(f"/shipments/{shipment['id']}/fail",
                             {"reason": "address not found"}))
    assert (failed["status"], failed["failure_reason"]) == ("failed", "address not found")
    [fo] = _fos(api, order["id"])
    assert fo["status"] == "failed_delivery"
    assert api.level("TEE", wh["id"])["on_hand"] == 8  # not back on a shelf
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "open"
    again = api.post(f"/shipments/{shipment['id']}/fail", {"reason": "twice"})
    assert again.status_code == 409
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    assert _fo(api, fo["id"])["status"] == "delivered"
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "completed"
    _audit_clean(api)


def test_cancelling_an_order_cancels_its_fulfilment_orders(api: Api) -> None:
    wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pick"))
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    assert _fo(api, fo["id"])["status"] == "cancelled"
    assert api.level("TEE", wh["id"])["reserved"] == 0
    _audit_clean(api)


def test_a_packed_fulfilment_order_blocks_cancel_until_unpacked(api: Api) -> None:
    wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))
    before = snapshot(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"})
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/conflict"
    assert resp.json()["errors"] == [{"field": "fulfilment_order", "code": "in_shipping",
                                      "message": "SO-000001-1 is packed"}]
    assert snapshot(api.container.engine) == before
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/unpack"))
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    assert _fo(api, fo["id"])["status"] == "cancelled"
    assert api.level("TEE", wh["id"])["reserved"] == 0


def test_shipping_more_than_is_on_the_fulfilment_order_is_refused_and_changes_nothing(
        api: Api) -> None:
    _, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    before = snapshot(api.container.engine)
    resp = api.post(f"/fulfilment-orders/{fo['id']}/shipments", {
        "carrier": "UPS", "tracking_number": "X", "lines": [{"sku": "TEE", "quantity": 4}]})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["errors"] == [{"field": "lines[0].quantity", "code": "exceeds_unshipped",
                                      "message": "4 requested, 3 left to ship"}]
    assert snapshot(api.container.engine) == before


def test_shipping_with_an_unknown_carrier_is_refused_and_changes_nothing(api: Api) -> None:
    _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    before = snapshot(api.container.engine)
    resp = api.post(f"/fulfilment-orders/{fo['id']}/shipments",
                    {"carrier": "NOPE", "tracking_number": "X"})
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/validation-error"
    assert resp.json()["errors"] == [{"field": "carrier", "code": "unknown_carrier",
                                      "message": "no carrier NOPE"}]
    assert snapshot(api.container.engine) == before


def test_shipping_a_cancelled_fulfilment_order_is_refused_and_changes_nothing(
        api: Api) -> None:
    _, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    before = snapshot(api.container.engine)
    resp = api.post(f"/fulfilment-orders/{fo['id']}/shipments",
                    {"carrier": "UPS", "tracking_number": "X"})
    assert resp.status_code == 409
    assert resp.json()["detail"] == "a cancelled order cannot be shipped"
    assert snapshot(api.container.engine) == before


def test_a_held_order_cannot_ship_and_its_fulfilment_order_is_withdrawn(api: Api) -> None:
    wh, cust = _shop(api)
    api.ok(api.post("/carriers", UPS), 201)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "fraud check"}))
    assert _fo(api, fo["id"])["status"] == "cancelled"
    before = snapshot(api.container.engine)
    by_order = api.post(f"/orders/{order['id']}/shipments",
                        {"carrier": "UPS", "service": "parcel", "tracking_number": "H"})
    by_fo = api.post(f"/fulfilment-orders/{fo['id']}/shipments",
                     {"carrier": "UPS", "tracking_number": "H"})
    for resp in (by_order, by_fo):
        assert resp.status_code == 409
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["detail"] == "a on_hold order cannot be shipped"
    assert snapshot(api.container.engine) == before
    assert api.level("TEE", wh["id"])["reserved"] == 3
    # Releasing the hold releases the order to fulfilment again.
    api.ok(api.post(f"/orders/{order['id']}/release"))
    live = [f for f in _fos(api, order["id"]) if f["status"] != "cancelled"]
    assert [(f["number"], f["status"], f["units"]) for f in live] == [("SO-000001-2", "open", 3)]
    _audit_clean(api)


def test_steps_out_of_order_are_refused(api: Api) -> None:
    _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [fo] = _fos(api, order["id"])
    before = snapshot(api.container.engine)
    resp = api.post(f"/fulfilment-orders/{fo['id']}/unpack")
    assert resp.status_code == 409
    assert resp.json()["detail"] == "a open fulfilment order cannot be unpacked"
    assert api.post(f"/fulfilment-orders/{fo['id']}/dance").status_code == 422
    assert snapshot(api.container.engine) == before


def test_carriers_are_created_listed_changed_and_deleted(api: Api) -> None:
    made = api.ok(api.post("/carriers", UPS), 201)
    assert made["code"] == "UPS"
    dup = api.post("/carriers", {**UPS, "code": "ups"})
    assert (dup.status_code, dup.json()["type"]) == (409, "/problems/conflict")
    bad = api.post("/carriers", {"code": "X", "name": "X",
                                 "tracking_url_template": "https://t.example.com/"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["tracking_url_template"]
    changed = api.client.patch("/api/v1/carriers/UPS", json={"name": "UPS Ground"},
                               headers=api.headers())
    assert changed.status_code == 200 and changed.json()["name"] == "UPS Ground"
    assert [c["code"] for c in api.ok(api.get("/carriers"))["items"]] == ["UPS"]
    assert api.client.delete("/api/v1/carriers/UPS", headers=api.headers()).status_code == 200
    assert api.get("/carriers/UPS").status_code == 404
    assert api.post("/carriers", UPS, role="clerk").status_code == 403


def test_units_a_receipt_reserves_for_a_backorder_are_released_to_fulfilment(api: Api) -> None:
    from tests.e2e.test_backorders import backorderable, receive

    backorderable(api, "CAP", limit=10)
    wh = api.location("WH1")
    api.stock("CAP", wh["id"], 1)
    order = api.order(api.customer()["id"], [("CAP", 3)])
    [first] = _fos(api, order["id"])
    assert first["units"] == 1  # only what was reserved; 2 are on backorder
    receive(api, "CAP", wh["id"], 5)
    fos = _fos(api, order["id"])
    # The released units join the open fulfilment order at that location: one parcel.
    assert [(f["number"], f["status"], f["units"]) for f in fos] == [("SO-000001-1", "open", 3)]
    _audit_clean(api)
    shipments = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "DHL", "service": "parcel", "tracking_number": "B1"}), 201)["items"]
    assert [(s["fulfilment_order_id"], s["lines"][0]["quantity"]) for s in shipments] == [
        (first["id"], 3)]
    assert api.level("CAP", wh["id"])["reserved"] == 0
    assert api.ok(api.get(f"/orders/{order['id']}"))["fulfillment_status"] == "fulfilled"
    _audit_clean(api)
