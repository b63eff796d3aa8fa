"""A command that outlives its idempotency claim's lease, on PostgreSQL with real threads: the
retry that takes the claim over runs the command, and the first one, finishing late, finds its
claim gone and rolls back. The stock moves once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from pesanan.app import create_app
from pesanan.core.clock import now
from pesanan.idempotency import service as idem
from pesanan.inventory import service as inventory
from tests.factories import Api


@pytest.mark.postgres_only
def test_a_command_slower_than_its_lease_is_rolled_back_when_a_retry_took_over(
        backend: str, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.product("TEE-BLK-M")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 10)
    entered, go_on = threading.Event(), threading.Event()
    real_adjust = inventory.adjust_stock
    calls = []

    def slow_first(conn: Connection, cmd: Any) -> dict[str, Any]:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:  # the first request stalls (a long GC pause, a slow disk...)
            entered.set()
            assert go_on.wait(20)
        return real_adjust(conn, cmd)

    monkeypatch.setattr(inventory, "adjust_stock", slow_first)
    app = create_app(api.container)
    body = {"sku": "TEE-BLK-M", "location_id": wh["id"], "quantity": 5, "reason": "found"}
    headers = api.headers(idem="count-2026-12-01")

    def send() -> Any:
        return TestClient(app).post("/api/v1/inventory/adjustments", json=body, headers=headers)

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(send)
        assert entered.wait(20)
        with api.container.engine.begin() as conn:  # the slow one's lease runs out
            conn.execute(text("UPDATE idempotency_key SET locked_at = :t"),
                         {"t": now() - idem.LEASE - timedelta(seconds=1)})
        retry = send()
        go_on.set()
        late = slow.result(20)

    assert retry.status_code == 201, retry.text
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/idempotency-in-flight"
    assert len(calls) == 2  # both ran; only one committed
    assert api.level("TEE-BLK-M", wh["id"])["on_hand"] == 15
    with api.container.engine.connect() as conn:
        adjusted = conn.execute(text(
            "SELECT COUNT(*) FROM outbox WHERE type = 'stock.adjusted'")).scalar_one()
    assert adjusted == 2  # the opening stock and this one
    replay = api.post("/inventory/adjustments", body, idem="count-2026-12-01")
    assert (replay.status_code, replay.headers["idempotency-replayed"]) == (201, "true")
    assert replay.json() == retry.json()
