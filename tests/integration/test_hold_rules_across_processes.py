"""Hold rules reach every process before its next order: two containers on one database stand
for two `serve --workers 2` processes, each with its own rule cache (orders/holds.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests.factories import Api


@pytest.fixture
def other(api: Api) -> Iterator[Api]:
    """A second process's view of the same database: its own engine, hence its own cache."""
    s = api.container.settings
    second: Container = build(Settings(database_url=s.database_url, pool_size=2,
                                       pool_overflow=0, command_slots=0,
                                       auth_cache_seconds=0.0))
    try:
        with TestClient(create_app(second), raise_server_exceptions=False) as tc:
            yield Api(tc, second)
    finally:
        second.close()


def _patch(api: Api, rule_id: str, body: dict[str, object]) -> None:
    resp = api.client.patch(f"/api/v1/hold-rules/{rule_id}", json=body, headers=api.headers())
    assert resp.status_code == 200, resp.text


def test_a_rule_created_in_one_process_holds_the_very_next_order_placed_in_another(
        api: Api, other: Api) -> None:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH1")["id"], 100)
    cid = api.customer()["id"]
    assert other.order(cid, [("TEE", 5)])["status"] == "open"  # the other caches "no rules"

    rule = api.ok(api.post("/hold-rules", {"kind": "order_total_above",
                                           "parameters": {"limits": {"USD": "100.00"}}}), 201)
    assert other.order(cid, [("TEE", 5)])["status"] == "on_hold"  # 110.00 > 100.00
    assert other.order(cid, [("TEE", 4)])["status"] == "open"  # 88.00

    _patch(api, rule["id"], {"parameters": {"limits": {"USD": "200.00"}}})
    assert other.order(cid, [("TEE", 5)])["status"] == "open"


def test_a_rule_disabled_in_one_process_no_longer_holds_in_another(api: Api, other: Api
                                                                    ) -> None:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH1")["id"], 100)
    cid = api.customer()["id"]
    rule = api.ok(api.post("/hold-rules", {"kind": "order_total_above",
                                           "parameters": {"limits": {"USD": "100.00"}}}), 201)
    assert other.order(cid, [("TEE", 5)])["status"] == "on_hold"

    _patch(api, rule["id"], {"enabled": False})
    assert other.order(cid, [("TEE", 5)])["status"] == "open"
