"""The same Idempotency-Key sent many times at once, on PostgreSQL with real threads: the command
runs once; every other request replays its response or is told the first is still in flight."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.app import create_app
from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api

SENDERS = 20


def send_at_once(container: Container, headers: dict[str, str], body: dict[str, Any],
                 times: int) -> list[tuple[int, dict[str, str], bytes]]:
    app = create_app(container)
    start = threading.Barrier(times)

    def send(_: int) -> tuple[int, dict[str, str], bytes]:
        client = TestClient(app, raise_server_exceptions=False)
        start.wait()
        resp = client.post("/api/v1/orders", json=body, headers=headers)
        return resp.status_code, dict(resp.headers), resp.content

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(send, range(times)))


def _shop(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE-BLK-M", price="12.50", tax_rate="0.11")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 100)
    return wh, api.customer()


@pytest.mark.postgres_only
def test_one_key_sent_twenty_times_at_once_places_exactly_one_order(
        backend: str, api: Api) -> None:
    wh, cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE-BLK-M", 2)])
    headers = api.headers(idem="checkout-7f3a")

    results = send_at_once(api.container, headers, body, SENDERS)

    assert {status for status, _, _ in results} <= {201, 409}
    firsts = [r for r in results if r[0] == 201 and "idempotency-replayed" not in r[1]]
    replays = [r for r in results if r[0] == 201 and "idempotency-replayed" in r[1]]
    in_flight = [r for r in results if r[0] == 409]
    assert len(firsts) == 1
    assert len(firsts) + len(replays) + len(in_flight) == SENDERS
    assert all(r[1]["idempotency-replayed"] == "true" for r in replays)
    assert all(r[2] == firsts[0][2] for r in replays)
    assert all(r[1]["content-type"] == "application/problem+json" for r in in_flight)
    assert all(orjson.loads(r[2])["type"] == "/problems/idempotency-in-flight"
               for r in in_flight)

    counts = row_counts(api.container.engine)
    assert (counts["sales_order"], counts["order_line"], counts["reservation"]) == (1, 1, 1)
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 2
    with api.container.engine.connect() as conn:
        placed = conn.execute(text(
            "SELECT COUNT(*) FROM outbox WHERE type = 'order.placed'")).scalar_one()
        key_state = conn.execute(text("SELECT state, response_status FROM idempotency_key")).all()
    assert placed == 1
    assert [tuple(k) for k in key_state] == [("done", 201)]

    # Once the first is done, a late retry with the same key replays it too.
    late = api.client.post("/api/v1/orders", json=body, headers=headers)
    assert (late.status_code, late.headers["idempotency-replayed"]) == (201, "true")
    assert late.content == firsts[0][2]


@pytest.mark.postgres_only
def test_twenty_different_keys_sent_at_once_place_twenty_orders(backend: str, api: Api) -> None:
    """The contrast: distinct keys are distinct commands, so nothing is deduplicated."""
    wh, cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE-BLK-M", 1)])
    app = create_app(api.container)
    start = threading.Barrier(SENDERS)

    def send(i: int) -> int:
        client = TestClient(app, raise_server_exceptions=False)
        start.wait()
        return client.post("/api/v1/orders", json=body,
                           headers=api.headers(idem=f"checkout-{i}")).status_code

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        statuses = list(pool.map(send, range(SENDERS)))

    assert statuses == [201] * SENDERS
    assert row_counts(api.container.engine)["sales_order"] == SENDERS
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == SENDERS
