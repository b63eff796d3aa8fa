"""The place-order lane (api/lane.py): the ordinary POST /api/v1/orders is served past FastAPI's
routing, through the route's own functions; anything out of the ordinary reaches the route.

The suite's containers look every key up (auth_cache_seconds=0), so the lane never serves
their requests; these tests build a container that keeps keys, as a server does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests.dbs import row_counts
from tests.factories import Api
from tests.telemetry.helpers import value

PATH = "/api/v1/orders"
COUNT = "pesanan_http_request_duration_seconds_count"


@pytest.fixture
def make(container: Container, database_urls: dict[str, str], backend: str,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Apps over the (cleaned) test database whose containers keep keys for 30 s; `routed`
    counts the place-order requests that reached a route's handler."""
    made: list[tuple[Container, TestClient]] = []

    def factory(**settings: Any) -> Api:
        c = build(Settings(database_url=database_urls[backend], pool_size=4, pool_overflow=4,
                           command_slots=0, auth_cache_seconds=30.0,
                           **{"rate_limit_api": "", **settings}))
        tc = TestClient(create_app(c), raise_server_exceptions=False).__enter__()
        made.append((c, tc))
        return Api(tc, c)

    handle = APIRoute.handle

    async def counted(self: APIRoute, scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == PATH and scope["method"] == "POST":
            routed.append(scope["path"])
        await handle(self, scope, receive, send)

    routed: list[str] = []
    monkeypatch.setattr(APIRoute, "handle", counted)
    factory.routed = routed  # type: ignore[attr-defined]
    yield factory
    for c, tc in made:
        tc.__exit__(None, None, None)
        c.close()


def _shop(api: Api, on_hand: int = 10) -> dict[str, Any]:
    api.product("TEE", price="12.50", tax_rate="0.11")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], on_hand)
    return {**api.customer(), "warehouse_id": wh["id"]}


def test_an_ordinary_order_is_served_by_the_lane_with_the_routes_answer(make: Any) -> None:
    api = make()
    cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE", 2)])
    # The clerk's key is new to this process (the shop was set up with the admin's): the
    # route looks it up; then it is seen valid, and the lane serves it.
    first = api.post("/orders", body, role="clerk")
    assert make.routed == [PATH]
    second = api.post("/orders", body, role="clerk")
    assert make.routed == [PATH]
    for resp in (first, second):
        assert resp.status_code == 201, resp.text
        assert resp.headers["content-type"] == "application/json"
        assert resp.headers["location"] == f"{PATH}/{resp.json()['id']}"
    # Observe still tags each request, lane or route, with its own id.
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    a, b = first.json(), second.json()
    assert set(a) == set(b)
    assert (a["number"], b["number"]) == ("SO-000001", "SO-000002")
    assert (b["total"], b["status"], b["channel"]) == (a["total"], a["status"], a["channel"])
    assert api.level("TEE", cust["warehouse_id"])["reserved"] == 4


def test_a_retry_with_the_same_key_replays_through_the_lane(make: Any) -> None:
    api = make()
    cust = _shop(api)
    api.get("/orders")  # the key is seen valid first
    body = api.order_body(cust["id"], [("TEE", 1)])
    first = api.post("/orders", body, idem="lane-1")
    again = api.post("/orders", body, idem="lane-1")
    assert make.routed == []
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json() == first.json()
    assert api.ok(api.get("/orders"))["items"][0]["id"] == first.json()["id"]
    assert len(api.ok(api.get("/orders"))["items"]) == 1


def test_a_refusal_inside_the_command_is_the_commands_own_problem(make: Any) -> None:
    api = make()
    cust = _shop(api, on_hand=1)
    api.get("/orders")
    before = row_counts(api.container.engine)
    resp = api.post("/orders", api.order_body(cust["id"], [("TEE", 3)]))
    assert make.routed == []
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/insufficient-stock"
    assert row_counts(api.container.engine) == before


@pytest.mark.parametrize("case", ["invalid body", "not json", "no content type", "text/plain",
                                  "unknown key", "no permission"])
def test_requests_out_of_the_ordinary_are_answered_by_the_route(make: Any, case: str) -> None:
    api = make()
    cust = _shop(api)
    api.get("/orders")
    api.get("/orders", role="warehouse")  # both keys seen valid
    good = api.order_body(cust["id"], [("TEE", 1)])
    headers = {"Authorization": f"Bearer {api.key()}", "Content-Type": "application/json"}
    raw = orjson.dumps(good)
    expect = {"invalid body": 422, "not json": 422, "no content type": 422,
              "text/plain": 422, "unknown key": 401, "no permission": 403}[case]
    if case == "invalid body":
        raw = b'{"channel": "web", "customer_id": "x", "lines": []}'
    elif case == "not json":
        raw = b'{"channel": "web",'
    elif case == "no content type":
        del headers["Content-Type"]
    elif case == "text/plain":
        headers["Content-Type"] = "text/plain"
    elif case == "unknown key":
        headers["Authorization"] = "Bearer psn_not_a_key"
    else:
        headers["Authorization"] = f"Bearer {api.key('warehouse')}"
    resp = api.client.post(PATH, content=raw, headers=headers)
    assert resp.status_code == expect, resp.text
    assert make.routed == [PATH]  # the route answered, not the lane
    if expect >= 400:
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["status"] == expect


def test_a_lane_order_is_counted_under_the_routes_template(make: Any) -> None:
    api = make()
    cust = _shop(api)
    api.get("/orders")

    def placed() -> float:
        text = api.client.get("/metrics").text
        return value(text, COUNT, route=PATH, method="POST", status="2xx") or 0

    before = placed()
    for _ in range(3):
        assert api.post("/orders", api.order_body(cust["id"], [("TEE", 1)])).status_code == 201
    assert make.routed == []
    assert placed() == before + 3


def test_a_key_past_its_own_limit_gets_429_from_the_lane(make: Any) -> None:
    cust = _shop(make())  # set up by an app without the limit, in the same database
    api = make(rate_limit_api="2/minute")
    body = api.order_body(cust["id"], [("TEE", 1)])
    codes = [api.post("/orders", body, role="clerk").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert make.routed == [PATH]  # only the first, which looked the key up
    limited = api.post("/orders", body, role="clerk")
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
