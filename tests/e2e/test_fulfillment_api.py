"""Shipping and delivering orders over HTTP: stock, fulfilment status, cost of goods sold,
completion, and the refusals that must change nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pesanan.app import create_app
from pesanan.audit import checks
from pesanan.inventory import service as inventory
from pesanan.ledger.models import journal_entry, journal_line
from tests.dbs import row_counts
from tests.factories import Api

DHL = {"carrier": "DHL", "service": "parcel", "tracking_number": "JD0001"}


def _shop(api: Api, on_hand: int = 10, standard_cost: str = "6.00") -> tuple[dict, dict, dict]:
    product = api.product("TEE", price="12.50", standard_cost=standard_cost)
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], on_hand)
    return product, wh, api.customer()


def _ship(api: Api, order_id: str, lines: list[dict[str, Any]] | None = None,
          **overrides: str) -> list[dict[str, Any]]:
    body: dict[str, Any] = {**DHL, **overrides}
    if lines is not None:
        body["lines"] = lines
    items: list[dict[str, Any]] = api.ok(api.post(f"/orders/{order_id}/shipments", body),
                                         201)["items"]
    return items


def _cogs(api: Api, order_id: str) -> list[tuple[str, str, Decimal, Decimal]]:
    """(memo, account, debit, credit) of the order's shipment journal lines."""
    with api.container.engine.connect() as conn:
        rows = conn.execute(
            select(journal_entry.c.memo, journal_line.c.account_code, journal_line.c.debit,
                   journal_line.c.credit)
            .join(journal_line, journal_line.c.entry_id == journal_entry.c.id)
            .where(journal_entry.c.order_id == order_id,
                   journal_entry.c.source_type == "shipment")
            .order_by(journal_entry.c.id, journal_line.c.account_code)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _order(api: Api, order_id: str) -> dict[str, Any]:
    return api.ok(api.get(f"/orders/{order_id}"))


def test_shipping_everything_takes_stock_out_and_fulfils_the_order(api: Api) -> None:
    product, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    resp = api.post(f"/orders/{order['id']}/shipments", DHL)
    assert resp.status_code == 201, resp.text
    [shipment] = resp.json()["items"]
    assert resp.headers["location"] == f"/api/v1/shipments/{shipment['id']}"
    assert (shipment["number"], shipment["status"], shipment["location_id"]) == (
        "SH-000001", "shipped", wh["id"])
    assert (shipment["carrier"], shipment["service"], shipment["tracking_number"]) == (
        "DHL", "parcel", "JD0001")
    assert shipment["delivered_at"] is None
    assert [(x["sku"], x["quantity"], x["product_id"]) for x in shipment["lines"]] == [
        ("TEE", 3, product["id"])]
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"], level["available"]) == (7, 0, 7)
    after = _order(api, order["id"])
    assert (after["status"], after["fulfillment_status"]) == ("open", "fulfilled")
    assert after["lines"][0]["quantity_shipped"] == 3
    kinds = [e["kind"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    assert kinds == ["order.placed", "shipment.shipped", "fulfillment_status.changed"]
    assert api.ok(api.get(f"/shipments/{shipment['id']}")) == shipment


def test_a_partial_shipment_then_the_rest_moves_through_partially_fulfilled(api: Api) -> None:
    _, wh, cust = _shop(api)
    api.product("MUG", price="5.00", standard_cost="2.00")
    api.stock("MUG", wh["id"], 4)
    # MUG is line 1 but its product id sorts after TEE's, so stock is taken TEE first: the
    # shipment must still list its lines in the order's line order.
    order = api.order(cust["id"], [("MUG", 2), ("TEE", 3)])
    mug_line = order["lines"][0]["id"]
    [first] = _ship(api, order["id"], [{"sku": "TEE", "quantity": 1},
                                       {"order_line_id": mug_line, "quantity": 2}])
    assert [(x["sku"], x["quantity"]) for x in first["lines"]] == [("MUG", 2), ("TEE", 1)]
    partial = _order(api, order["id"])
    assert partial["fulfillment_status"] == "partially_fulfilled"
    assert [x["quantity_shipped"] for x in partial["lines"]] == [2, 1]
    tee = api.level("TEE", wh["id"])
    assert (tee["on_hand"], tee["reserved"]) == (9, 2)

    [rest] = _ship(api, order["id"], tracking_number="JD0002")
    assert rest["number"] == "SH-000002"
    assert [(x["sku"], x["quantity"]) for x in rest["lines"]] == [("TEE", 2)]
    done = _order(api, order["id"])
    assert done["fulfillment_status"] == "fulfilled"
    assert [x["quantity_shipped"] for x in done["lines"]] == [2, 3]
    tee, mug = api.level("TEE", wh["id"]), api.level("MUG", wh["id"])
    assert (tee["on_hand"], tee["reserved"], mug["on_hand"], mug["reserved"]) == (7, 0, 2, 0)
    listed = api.ok(api.get(f"/orders/{order['id']}/shipments"))["items"]
    assert [s["number"] for s in listed] == ["SH-000001", "SH-000002"]
    assert listed == [first, rest]


def test_shipping_more_than_ordered_is_refused_and_changes_nothing(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments",
                    {**DHL, "lines": [{"sku": "TEE", "quantity": 4}]})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"] == [{"field": "lines[0].quantity", "code": "exceeds_unshipped",
                                  "message": "4 requested, 3 left to ship"}]
    assert row_counts(api.container.engine) == before
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"]) == (10, 3)


def test_shipping_more_than_is_left_after_a_partial_shipment_is_refused(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    line_id = order["lines"][0]["id"]
    _ship(api, order["id"], [{"order_line_id": line_id, "quantity": 2}])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments",
                    {**DHL, "lines": [{"order_line_id": line_id, "quantity": 1},
                                      {"sku": "TEE", "quantity": 1}]})
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "lines[1].quantity", "code": "exceeds_unshipped",
                                      "message": "1 requested, 0 left to ship"}]
    assert row_counts(api.container.engine) == before
    assert _order(api, order["id"])["lines"][0]["quantity_shipped"] == 2


def test_lines_that_are_not_on_the_order_or_not_positive_are_refused(api: Api) -> None:
    _, _, cust = _shop(api)
    api.product("MUG")
    order = api.order(cust["id"], [("TEE", 3)])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments", {**DHL, "lines": [
        {"sku": "MUG", "quantity": 1}, {"order_line_id": "nope", "quantity": 1}]})
    assert resp.status_code == 422
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [
        ("lines[0].sku", "not_on_order"), ("lines[1].order_line_id", "not_on_order")]
    zero = api.post(f"/orders/{order['id']}/shipments",
                    {**DHL, "lines": [{"sku": "TEE", "quantity": 0}]})
    assert zero.status_code == 422
    assert [e["field"] for e in zero.json()["errors"]] == ["lines[0].quantity"]
    both = api.post(f"/orders/{order['id']}/shipments", {**DHL, "lines": [
        {"sku": "TEE", "order_line_id": order["lines"][0]["id"], "quantity": 1}]})
    assert both.status_code == 422
    bad_service = api.post(f"/orders/{order['id']}/shipments", {**DHL, "service": "drone"})
    assert bad_service.status_code == 422
    assert [e["field"] for e in bad_service.json()["errors"]] == ["service"]
    assert row_counts(api.container.engine) == before


def test_shipping_an_unknown_order_is_not_found(api: Api) -> None:
    resp = api.post("/orders/0190a8c2-0000-7000-8000-000000000000/shipments", DHL)
    assert resp.status_code == 404
    assert resp.json()["type"] == "/problems/not-found"


def test_shipping_a_cancelled_order_is_refused_and_changes_nothing(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments", DHL)
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/invalid-transition"
    assert resp.json()["detail"] == "a cancelled order cannot be shipped"
    assert row_counts(api.container.engine) == before
    assert api.level("TEE", wh["id"])["on_hand"] == 10


def test_shipping_a_fully_shipped_order_again_is_refused(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    _ship(api, order["id"])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments", DHL)
    assert resp.status_code == 409
    assert resp.json()["detail"] == "the order has nothing left to ship"
    assert row_counts(api.container.engine) == before
    assert api.level("TEE", wh["id"])["on_hand"] == 7


def test_an_order_cannot_be_cancelled_once_shipped(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    _ship(api, order["id"], [{"sku": "TEE", "quantity": 1}])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/cancel", {"reason": "too late"})
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/invalid-transition"
    assert row_counts(api.container.engine) == before
    after = _order(api, order["id"])
    assert (after["status"], after["fulfillment_status"]) == ("open", "partially_fulfilled")
    assert api.level("TEE", wh["id"])["reserved"] == 2


def test_delivering_marks_the_shipment_and_delivering_twice_is_refused(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [shipment] = _ship(api, order["id"])
    delivered = api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    assert delivered["status"] == "delivered"
    assert delivered["delivered_at"] is not None
    assert delivered["lines"] == shipment["lines"]
    before = row_counts(api.container.engine)
    again = api.post(f"/shipments/{shipment['id']}/deliver")
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/invalid-transition"
    assert again.json()["detail"] == "shipment SH-000001 is already delivered"
    assert row_counts(api.container.engine) == before
    assert api.ok(api.get(f"/shipments/{shipment['id']}"))["delivered_at"] == (
        delivered["delivered_at"])


def test_delivering_an_unknown_shipment_is_not_found(api: Api) -> None:
    resp = api.post("/shipments/0190a8c2-0000-7000-8000-000000000000/deliver")
    assert resp.status_code == 404


def test_cost_of_goods_sold_is_posted_at_standard_cost_before_any_receipt(api: Api) -> None:
    _, _, cust = _shop(api, standard_cost="6.00")
    order = api.order(cust["id"], [("TEE", 3)])
    [shipment] = _ship(api, order["id"])
    assert _cogs(api, order["id"]) == [
        ("Cost of goods sold, SH-000001 for SO-000001", "1200", Decimal(0), Decimal("18.00")),
        ("Cost of goods sold, SH-000001 for SO-000001", "5000", Decimal("18.00"), Decimal(0)),
    ]
    with api.container.engine.connect() as conn:
        source = conn.execute(select(journal_entry.c.source_id, journal_entry.c.currency)
                              .where(journal_entry.c.source_type == "shipment")).one()
    assert tuple(source) == (shipment["id"], "USD")


def test_cost_of_goods_sold_uses_the_moving_average_rounded_to_the_cent(api: Api) -> None:
    product, wh, cust = _shop(api, on_hand=2, standard_cost="6.00")
    # A receipt of 1 at 7.00 over 2 on hand at 6.00: average (12 + 7) / 3 = 6.3333.
    with api.container.engine.begin() as conn:
        inventory.receive(conn, product_id=product["id"], location_id=wh["id"], quantity=1,
                          unit_cost_=Decimal("7.00"), currency="USD", ref_type="test",
                          ref_id=product["id"])
    order = api.order(cust["id"], [("TEE", 3)])
    _ship(api, order["id"])
    # 3 x 6.3333 = 18.9999, rounded half up to the cent once for the shipment.
    assert [(acct, debit, credit) for _, acct, debit, credit in _cogs(api, order["id"])] == [
        ("1200", Decimal(0), Decimal("19.00")), ("5000", Decimal("19.00"), Decimal(0))]


def test_goods_reserved_in_two_locations_leave_as_one_shipment_per_location(api: Api) -> None:
    _, wh1, cust = _shop(api, on_hand=2)
    wh2 = api.location("WH2")
    api.stock("TEE", wh2["id"], 2)
    order = api.order(cust["id"], [("TEE", 3)])
    held = {w["id"]: api.level("TEE", w["id"])["reserved"] for w in (wh1, wh2)}
    assert sorted(held.values()) == [1, 2]
    shipments = _ship(api, order["id"])
    assert [s["number"] for s in shipments] == ["SH-000001", "SH-000002"]
    assert {s["location_id"]: s["lines"][0]["quantity"] for s in shipments} == held
    for w in (wh1, wh2):
        level = api.level("TEE", w["id"])
        assert (level["on_hand"], level["reserved"]) == (2 - held[w["id"]], 0)
    assert _order(api, order["id"])["fulfillment_status"] == "fulfilled"
    debits = sorted(debit for _, acct, debit, _ in _cogs(api, order["id"]) if acct == "5000")
    assert debits == sorted(Decimal(6 * q) for q in held.values())
    with checks.snapshot(api.container.engine) as conn:
        assert [(r.check.name, r.breaches) for r in checks.run_all(conn) if not r.ok] == []


def test_a_delivered_but_unpaid_order_stays_open(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [shipment] = _ship(api, order["id"])
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    after = _order(api, order["id"])
    assert (after["status"], after["financial_status"], after["fulfillment_status"]) == (
        "open", "pending", "fulfilled")


def test_an_order_paid_before_delivery_completes_when_its_last_shipment_arrives(
        api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 2)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": order["total"], "method": "card"}), 201)
    [first] = _ship(api, order["id"], [{"sku": "TEE", "quantity": 1}])
    [second] = _ship(api, order["id"])
    api.ok(api.post(f"/shipments/{first['id']}/deliver"))
    assert _order(api, order["id"])["status"] == "open"  # one shipment still on its way
    api.ok(api.post(f"/shipments/{second['id']}/deliver"))
    after = _order(api, order["id"])
    assert (after["status"], after["financial_status"], after["fulfillment_status"]) == (
        "completed", "paid", "fulfilled")
    kinds = [e["kind"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    assert kinds[-2:] == ["shipment.delivered", "status.changed"]


def test_an_order_delivered_before_payment_completes_when_paid(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 2)])
    [shipment] = _ship(api, order["id"])
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": order["total"], "method": "cash"}), 201)
    assert _order(api, order["id"])["status"] == "completed"


def test_shipping_and_delivering_append_events_in_order(api: Api) -> None:
    from pesanan.events.queries import list_events

    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    [shipment] = _ship(api, order["id"])
    delivered = api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    with api.container.engine.connect() as conn:
        events = [e for e in list_events(conn) if e["type"].startswith("shipment.")]
    assert [(e["type"], e["data"]) for e in events] == [
        ("shipment.shipped", shipment), ("shipment.delivered", delivered)]


def test_the_same_idempotency_key_ships_once(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    body = {**DHL, "lines": [{"sku": "TEE", "quantity": 1}]}
    first = api.post(f"/orders/{order['id']}/shipments", body, idem="ship-1")
    second = api.post(f"/orders/{order['id']}/shipments", body, idem="ship-1")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json()
    assert api.level("TEE", wh["id"])["on_hand"] == 9


def test_shipments_list_by_order_and_status_page_by_cursor(api: Api) -> None:
    _, _, cust = _shop(api)
    a = api.order(cust["id"], [("TEE", 1)])
    b = api.order(cust["id"], [("TEE", 2)])
    [sa] = _ship(api, a["id"])
    [sb] = _ship(api, b["id"])
    api.ok(api.post(f"/shipments/{sa['id']}/deliver"))
    assert [s["id"] for s in api.ok(api.get("/shipments", status="delivered"))["items"]] == [
        sa["id"]]
    assert [s["id"] for s in api.ok(api.get("/shipments", order_id=b["id"]))["items"]] == [
        sb["id"]]
    page1 = api.ok(api.get("/shipments", limit=1))
    assert [s["number"] for s in page1["items"]] == ["SH-000002"]
    assert "lines" not in page1["items"][0]
    page2 = api.ok(api.get("/shipments", limit=1, cursor=page1["next_cursor"]))
    assert ([s["number"] for s in page2["items"]], page2["next_cursor"]) == (["SH-000001"], None)
    assert api.get("/orders/0190a8c2-0000-7000-8000-000000000000/shipments").status_code == 404


def test_the_warehouse_ships_and_delivers_but_a_clerk_may_only_look(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    refused = api.post(f"/orders/{order['id']}/shipments", DHL, role="clerk")
    assert refused.status_code == 403
    shipped = api.post(f"/orders/{order['id']}/shipments", DHL, role="warehouse")
    assert shipped.status_code == 201
    shipment_id = shipped.json()["items"][0]["id"]
    assert api.post(f"/shipments/{shipment_id}/deliver", role="clerk").status_code == 403
    assert api.post(f"/shipments/{shipment_id}/deliver", role="warehouse").status_code == 200
    assert api.get(f"/shipments/{shipment_id}", role="clerk").status_code == 200


@pytest.mark.postgres_only
def test_two_clerks_shipping_the_same_order_at_once_ship_it_once(api: Api, backend: str) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE", 3)])
    app, headers = create_app(api.container), api.headers("warehouse")
    start = threading.Barrier(2)

    def ship(tracking: str) -> int:
        client = TestClient(app, raise_server_exceptions=False)
        start.wait()
        return client.post(f"/api/v1/orders/{order['id']}/shipments",
                           json={**DHL, "tracking_number": tracking}, headers=headers
                           ).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(ship, ["JD-A", "JD-B"]))
    # The order row lock makes the second wait, then see nothing left to ship.
    assert statuses == [201, 409]
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"]) == (7, 0)
    assert len(api.ok(api.get(f"/orders/{order['id']}/shipments"))["items"]) == 1
