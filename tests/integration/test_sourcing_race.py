"""Issue 4 acceptance: 200 buyers racing for the last 30 units spread over 3 locations, with
real threads through the HTTP app on PostgreSQL; and the backorder limit under the same race."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.app import create_app
from pesanan.audit import checks
from pesanan.bootstrap import Container
from tests.factories import Api


def race(container: Container, headers: dict[str, str], bodies: list[dict[str, Any]]
         ) -> list[tuple[int, dict[str, Any]]]:
    """POST every body to /orders at once, one thread per buyer. The threads share one
    TestClient, hence one event loop, as under uvicorn: api/commands.run_async queues commands
    on an asyncio.Semaphore, which belongs to one loop (a TestClient per thread runs a loop per
    request, and a waiter on another loop is never woken — that hung 200 buyers)."""
    start = threading.Barrier(len(bodies))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        def buy(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            start.wait()
            resp = client.post("/api/v1/orders", json=body, headers=headers)
            return resp.status_code, resp.json()

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            return list(pool.map(buy, bodies))


def stock_rows(container: Container, product_id: str) -> list[tuple[int, int]]:
    with container.engine.connect() as conn:
        return [(int(a), int(b)) for a, b in conn.execute(text(
            "SELECT on_hand, reserved FROM stock_level WHERE product_id = :p "
            "ORDER BY location_id"), {"p": product_id})]


def audit(container: Container) -> dict[str, Any]:
    with checks.snapshot(container.read_engine) as conn:
        return {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok}


def three_locations(api: Api, sku: str) -> list[dict[str, Any]]:
    locations = []
    for code, region in (("JKT", "JK"), ("SBY", "JI"), ("MDN", "SU")):
        loc = api.ok(api.post("/locations", {"code": code, "name": code, "region": region,
                                             "country": "ID"}), 201)
        api.stock(sku, loc["id"], 10)
        locations.append(loc)
    return locations


@pytest.mark.postgres_only
def test_two_hundred_buyers_racing_for_the_last_thirty_units_over_three_locations(
        backend: str, api: Api) -> None:
    product = api.product("LAST-30")
    three_locations(api, "LAST-30")
    cust = api.customer()
    bodies = [api.order_body(cust["id"], [("LAST-30", 1)], shipping_address={
        "name": "B", "line1": "1 Jl", "city": "X", "region": ("JK", "JI", "SU", None)[i % 4],
        "country": "ID"}) for i in range(200)]

    results = race(api.container, api.headers(), bodies)

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 30, 409: 170}
    assert {p["type"] for s, p in results if s == 409} == {"/problems/insufficient-stock"}
    assert stock_rows(api.container, product["id"]) == [(10, 10)] * 3
    assert audit(api.container) == {}


@pytest.mark.postgres_only
def test_racing_buyers_never_pass_the_backorder_limit(backend: str, api: Api) -> None:
    product = api.product("BO-RACE")
    api.ok(api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                            json={"oversell_policy": "backorder", "backorder_limit": 5}))
    three_locations(api, "BO-RACE")
    cust = api.customer()
    body = api.order_body(cust["id"], [("BO-RACE", 1)])

    results = race(api.container, api.headers(), [body] * 60)

    assert Counter(status for status, _ in results) == {201: 35, 409: 25}
    assert stock_rows(api.container, product["id"]) == [(10, 10)] * 3
    listed = api.ok(api.get("/backorders", limit=250))["items"]
    assert sum(b["quantity_open"] for b in listed) == 5
    assert api.ok(api.get(f"/products/{product['id']}"))["backorder_open"] == 5
    assert audit(api.container) == {}
