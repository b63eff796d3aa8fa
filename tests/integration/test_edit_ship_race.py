"""Concurrent edit and ship of the same order: one wins, the other gets 409, stock stays right.

The mechanism: both commands lock the order row first, so they run one after the other.
- The edit first: it withdraws the order's unstarted fulfilment orders and releases new ones,
  so the ship request — naming the fulfilment order the warehouse was about to ship — finds it
  cancelled and is refused (409 invalid-transition).
- The ship first: it moves the order (shipped units, fulfilment status, version), so the edit —
  naming the `expected_version` it was made against — is refused (409 conflict); without
  `expected_version`, an edit taking a shipped line below its shipped units is refused too.

Shipping by order (POST /orders/{id}/shipments, whatever is on the live fulfilment orders)
names the `expected_version` it read instead, and is refused the same way after an edit.

The serial tests pin down each arrival order; the race runs both at once on PostgreSQL with
real threads, many times, for both ship routes, and checks every round and the audit.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.audit import checks
from tests.dbs import snapshot
from tests.factories import Api

ROUNDS = 12


def _shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="20.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 100)
    api.ok(api.post("/carriers", {"code": "jne", "name": "JNE"}), 201)
    return {"customer": api.customer(), "wh": wh}


def _order(api: Api, shop: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """An order of 2 TEE and the id of its one fulfilment order."""
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    return order, fo["id"]


def _edit_body(order: dict[str, Any], quantity: int = 3) -> dict[str, Any]:
    return {"expected_version": order["version"], "changes": [
        {"op": "set_quantity", "line_id": order["lines"][0]["id"], "quantity": quantity}]}


SHIP = {"carrier": "jne", "tracking_number": "JNE-1"}
ORDER_SHIP = {"carrier": "jne", "service": "parcel", "tracking_number": "JNE-2"}


def _audit_clean(api: Api) -> None:
    with checks.snapshot(api.container.engine) as conn:
        failing = {r.check.name: r.breaches[:3] for r in checks.run_all(conn) if not r.ok}
    assert failing == {}


def test_an_edit_first_makes_the_pending_ship_of_the_old_fulfilment_order_409(
        api: Api) -> None:
    shop = _shop(api)
    order, fo = _order(api, shop)
    api.ok(api.post(f"/orders/{order['id']}/edits", _edit_body(order)))
    resp = api.post(f"/fulfilment-orders/{fo}/shipments", SHIP)
    assert resp.status_code == 409, resp.text
    assert resp.json()["type"] == "/problems/invalid-transition"
    level = api.level("TEE", shop["wh"]["id"])
    assert (level["on_hand"], level["reserved"]) == (100, 3)
    _audit_clean(api)


def test_a_ship_first_makes_the_edit_against_the_old_version_409(api: Api) -> None:
    shop = _shop(api)
    order, fo = _order(api, shop)
    api.ok(api.post(f"/fulfilment-orders/{fo}/shipments", SHIP), 201)
    resp = api.post(f"/orders/{order['id']}/edits", _edit_body(order, quantity=1))
    assert resp.status_code == 409, resp.text
    assert resp.json()["type"] == "/problems/conflict"
    # Without a version, taking the shipped line below its shipped units is refused as well.
    body = {"changes": _edit_body(order, quantity=1)["changes"]}
    resp = api.post(f"/orders/{order['id']}/edits", body)
    assert resp.status_code == 409, resp.text
    level = api.level("TEE", shop["wh"]["id"])
    assert (level["on_hand"], level["reserved"]) == (98, 0)
    _audit_clean(api)


def test_a_ship_by_order_against_the_old_version_is_409_and_ships_nothing(api: Api) -> None:
    shop = _shop(api)
    order, _ = _order(api, shop)
    api.ok(api.post(f"/orders/{order['id']}/edits", _edit_body(order)))
    before = snapshot(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/shipments",
                    {**ORDER_SHIP, "expected_version": order["version"]})
    assert resp.status_code == 409, resp.text
    assert resp.json()["type"] == "/problems/conflict"
    assert snapshot(api.container.engine) == before


def _ship_request(route: str, order: dict[str, Any], fo: str) -> tuple[str, dict[str, Any]]:
    if route == "fulfilment-order":
        return f"/api/v1/fulfilment-orders/{fo}/shipments", SHIP
    return (f"/api/v1/orders/{order['id']}/shipments",
            {**ORDER_SHIP, "expected_version": order["version"]})


@pytest.mark.postgres_only
@pytest.mark.parametrize("route", ["fulfilment-order", "order"])
def test_concurrent_edit_and_ship_one_wins_the_other_gets_409(backend: str, api: Api,
                                                               route: str) -> None:
    shop = _shop(api)
    app = create_app(api.container)
    headers = api.headers()
    winners: Counter[str] = Counter()
    for _ in range(ROUNDS):
        order, fo = _order(api, shop)
        start = threading.Barrier(2)
        requests = [(f"/api/v1/orders/{order['id']}/edits", _edit_body(order)),
                    _ship_request(route, order, fo)]

        def send(req: tuple[str, dict[str, Any]], start: threading.Barrier = start
                 ) -> tuple[int, dict[str, Any]]:
            client = TestClient(app, raise_server_exceptions=False)
            start.wait()
            resp = client.post(req[0], json=req[1], headers=headers)
            return resp.status_code, resp.json()

        with ThreadPoolExecutor(max_workers=2) as pool:
            (edit_status, edit_doc), (ship_status, ship_doc) = pool.map(send, requests)
        assert sorted([edit_status // 100, ship_status // 100]) == [2, 4], (edit_doc, ship_doc)
        loser = edit_doc if edit_status == 409 else ship_doc
        assert loser["status"] == 409, loser
        now = api.ok(api.get(f"/orders/{order['id']}"))
        if edit_status == 200:
            winners["edit"] += 1
            assert (now["lines"][0]["quantity"], now["lines"][0]["quantity_shipped"]) == (3, 0)
            assert now["fulfillment_status"] == "unfulfilled"
        else:
            winners["ship"] += 1
            assert (now["lines"][0]["quantity"], now["lines"][0]["quantity_shipped"]) == (2, 2)
            assert now["fulfillment_status"] == "fulfilled"
    # Stock: every order's units are either reserved (edit won: 3) or gone (ship won: 2).
    level = api.level("TEE", shop["wh"]["id"])
    assert level["on_hand"] == 100 - 2 * winners["ship"]
    assert level["reserved"] == 3 * winners["edit"]
    assert sum(winners.values()) == ROUNDS
    print(f"edit/ship-by-{route} race winners over {ROUNDS} rounds: {dict(winners)}")
    _audit_clean(api)
