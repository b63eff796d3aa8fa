"""orders.sla: an order waiting in a stage past the shop's threshold emits sla.breached once
per (order, stage)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pesanan.core.clock import now
from pesanan.core.errors import ValidationFailed
from pesanan.worker.handlers import HANDLERS
from tests.factories import Api
from tests.jobs.outbox import emitted

SPEC = HANDLERS["orders.sla"]


def _shop(api: Api) -> None:
    api.product("TEE", price="100.00")
    api.stock("TEE", api.location()["id"], 10)


def _order(api: Api, qty: int = 1) -> dict[str, Any]:
    return api.order(api.customer()["id"], [("TEE", qty)])


def _fo(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    return fo


def _breaches(api: Api) -> list[tuple[str, str]]:
    return sorted((e["number"], e["stage"]) for e in emitted(api.container, "sla.breached"))


def test_each_stage_over_its_threshold_is_reported_once(api: Api) -> None:
    _shop(api)
    released = _order(api)  # released to fulfilment at once: its fulfilment order is open
    held = _order(api)
    api.ok(api.post(f"/orders/{held['id']}/hold", {"reason": "address check"}))
    packed = _order(api)
    fo = _fo(api, packed)
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pick"))
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))

    # 23 hours: under every default threshold (released 24, packed 24, on_hold 48).
    assert SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=23))["breached"] == {
        "placed": 0, "on_hold": 0, "released": 0, "picking": 0, "packed": 0}
    out = SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=25))
    assert out == {"breached": {"placed": 0, "on_hold": 0, "released": 1, "picking": 0,
                                "packed": 1}, "more": False}
    assert _breaches(api) == sorted([(released["number"], "released"),
                                     (packed["number"], "packed")])
    event = next(e for e in emitted(api.container, "sla.breached") if e["stage"] == "released")
    assert (event["aggregate_id"], event["order_id"], event["threshold_hours"]) == (
        released["id"], released["id"], 24)
    released_fo = _fo(api, released)
    assert event["since"] == released_fo["created_at"]  # the wait started at the release
    assert 25 <= event["waited_hours"] < 25.1

    # Later: the hold passes 48 hours; the breaches already reported are not repeated.
    later = SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=49))
    assert later["breached"] == {"placed": 0, "on_hold": 1, "released": 0, "picking": 0,
                                 "packed": 0}
    again = SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=49))
    assert sum(again["breached"].values()) == 0
    assert _breaches(api) == sorted([(released["number"], "released"),
                                     (packed["number"], "packed"), (held["number"], "on_hold")])


def test_an_order_waiting_for_stock_breaches_the_placed_stage(api: Api) -> None:
    product = api.product("TEE", price="100.00")
    api.location()
    api.ok(api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                            json={"oversell_policy": "backorder", "backorder_limit": 10}))
    waiting = _order(api, 2)  # nothing to reserve: backordered, not released to fulfilment
    assert api.ok(api.get(f"/orders/{waiting['id']}/fulfilment-orders"))["items"] == []
    out = SPEC.handler(api.container, {"placed": 2}, now() + timedelta(hours=3))
    assert out["breached"]["placed"] == 1
    assert _breaches(api) == [(waiting["number"], "placed")]


def test_the_shop_sets_its_thresholds_and_zero_or_null_turns_a_stage_off(api: Api) -> None:
    _shop(api)
    order = _order(api)
    at = now() + timedelta(hours=30)
    assert SPEC.handler(api.container, {"released": 36}, at)["breached"]["released"] == 0
    for off in (0, None):
        assert "released" not in SPEC.handler(api.container, {"released": off}, at)["breached"]
    assert _breaches(api) == []
    assert SPEC.handler(api.container, {"released": 0.5}, at)["breached"]["released"] == 1
    assert _breaches(api) == [(order["number"], "released")]


@pytest.mark.parametrize(("params", "says"), [
    ({"shipping": 3}, "shipping: is not a parameter of this job (it takes: placed, on_hold, "
                      "released, picking, packed)"),
    ({"placed": -1}, "placed: must be at least 0, not -1"),
    ({"packed": "a day"}, "packed: must be a number, not 'a day'"),
])
def test_bad_params_are_refused_and_nothing_is_reported(
        api: Api, params: dict[str, Any], says: str) -> None:
    _shop(api)
    _order(api)
    with pytest.raises(ValidationFailed) as e:
        SPEC.handler(api.container, params, now() + timedelta(hours=100))
    assert e.value.detail == f"orders.sla params: {says}"
    assert _breaches(api) == []
