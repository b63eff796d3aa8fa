"""Placing and cancelling orders over HTTP."""

from __future__ import annotations

from pesanan.events import relay
from tests.dbs import row_counts
from tests.factories import Api


def _shop(api: Api, on_hand: int = 10) -> tuple[dict, dict, dict]:
    product = api.product("TEE-BLK-M", price="12.50", tax_rate="0.11")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], on_hand)
    return product, wh, api.customer()


def test_placing_an_order_prices_taxes_and_reserves(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE-BLK-M", 3)])
    assert order["number"] == "SO-000001"
    assert (order["subtotal"], order["tax_total"], order["total"]) == ("37.50", "4.13", "41.63")
    assert (order["status"], order["financial_status"], order["fulfillment_status"]) == (
        "open", "pending", "unfulfilled")
    level = api.level("TEE-BLK-M", wh["id"])
    assert (level["on_hand"], level["reserved"], level["available"]) == (10, 3, 7)
    timeline = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    assert [e["kind"] for e in timeline] == ["order.placed"]


def test_an_order_for_more_than_available_is_refused_and_reserves_nothing(api: Api) -> None:
    _, wh, cust = _shop(api, on_hand=2)
    api.product("MUG", price="5.00")
    api.stock("MUG", wh["id"], 5)
    before = row_counts(api.container.engine)
    resp = api.post("/orders", api.order_body(cust["id"], [("MUG", 1), ("TEE-BLK-M", 3)]))
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "/problems/insufficient-stock"
    assert problem["errors"][0]["field"] == "lines[1].quantity"
    assert row_counts(api.container.engine) == before
    assert api.level("MUG", wh["id"])["reserved"] == 0


def test_cancel_releases_reservations(api: Api) -> None:
    _, wh, cust = _shop(api)
    order = api.order(cust["id"], [("TEE-BLK-M", 4)])
    cancelled = api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"}))
    assert cancelled["status"] == "cancelled"
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 0
    again = api.post(f"/orders/{order['id']}/cancel", {"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/invalid-transition"


def test_same_idempotency_key_replays_and_different_body_is_refused(api: Api) -> None:
    _, wh, cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE-BLK-M", 1)])
    first = api.post("/orders", body, idem="k-1")
    second = api.post("/orders", body, idem="k-1")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json()
    other = api.post("/orders", {**body, "lines": [{"sku": "TEE-BLK-M", "quantity": 2}]},
                     idem="k-1")
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 1


def test_requests_without_a_valid_key_are_unauthenticated(api: Api) -> None:
    resp = api.client.get("/api/v1/orders", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
    assert resp.json()["type"] == "/problems/unauthenticated"
    assert api.client.get("/healthz").status_code == 200


def test_a_clerk_cannot_adjust_stock(api: Api) -> None:
    api.product("MUG")
    wh = api.location()
    resp = api.post("/inventory/adjustments", {"sku": "MUG", "location_id": wh["id"],
                                               "quantity": 5, "reason": "count"}, role="clerk")
    assert resp.status_code == 403


def test_every_command_appends_an_ordered_event(api: Api) -> None:
    _, _, cust = _shop(api)
    order = api.order(cust["id"], [("TEE-BLK-M", 1)])
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "test"}))
    relay.stamp_pending(api.container.engine)  # the worker's relay: the feed shows stamped events
    events = api.ok(api.get("/events"))["items"]
    assert [e["type"] for e in events] == [
        "product.created", "location.created", "stock.adjusted", "customer.created",
        "order.placed", "order.cancelled"]
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert events[4]["data"]["id"] == order["id"]
    assert events[4]["data"]["total"] == order["total"]
