"""deliveries.purge: finished webhook deliveries (with their attempts) and the attempt log of
finished 3PL dispatches go after `days`; pending ones and young ones stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.core.errors import ValidationFailed
from pesanan.core.ids import new_id
from pesanan.fulfillment import dispatch
from pesanan.fulfillment.models import tpl_dispatch, tpl_dispatch_attempt
from pesanan.outbound import Client, Policy
from pesanan.webhooks.models import webhook_attempt, webhook_delivery
from pesanan.worker.handlers import HANDLERS, deliveries_purge
from tests.factories import Api

SPEC = HANDLERS["deliveries.purge"]


@pytest.fixture(autouse=True)
def loopback_allowed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.container.settings, "outbound_allow", "127.0.0.1")


def _deliveries(api: Api, rows: list[tuple[str, float]]) -> str:
    """An endpoint and one delivery per (status, age in days), each with one attempt."""
    ep = api.ok(api.post("/webhooks/endpoints", {"url": "http://127.0.0.1:9/hooks",
                                                 "event_types": []}), 201)
    t = now()
    with api.container.engine.begin() as conn:
        for i, (status, age) in enumerate(rows):
            at = t - timedelta(days=age)
            did = f"d{i}-{status}-{age}"
            conn.execute(webhook_delivery.insert().values(
                id=did, endpoint_id=ep["id"], event_id=new_id(), event_type="order.placed",
                position=i + 1, aggregate_type="order", aggregate_id=f"o{i}", payload="{}",
                status=status, attempts=1, queued_attempts=1, next_attempt_at=at,
                last_attempt_at=at, delivered_at=at if status == "delivered" else None,
                created_at=at))
            conn.execute(webhook_attempt.insert().values(
                id=new_id(), delivery_id=did, attempted_at=at, status=204, latency_ms=3,
                outcome="delivered" if status == "delivered" else "retry"))
    return str(ep["id"])


def _left(api: Api) -> tuple[list[str], int]:
    with api.container.engine.connect() as conn:
        ids = sorted(conn.execute(select(webhook_delivery.c.id)).scalars())
        attempts = len(conn.execute(select(webhook_attempt.c.id)).all())
    return ids, attempts


def test_finished_deliveries_past_the_days_go_with_their_attempts(api: Api) -> None:
    _deliveries(api, [("delivered", 31), ("failed", 40), ("pending", 60), ("delivered", 2)])
    assert SPEC.handler(api.container, SPEC.params, now()) == {
        "webhook_deliveries": 2, "tpl_attempts": 0}
    assert _left(api) == (["d2-pending-60", "d3-delivered-2"], 2)
    # Again: nothing more goes, the pending and the young ones stay.
    assert SPEC.handler(api.container, SPEC.params, now())["webhook_deliveries"] == 0
    assert _left(api) == (["d2-pending-60", "d3-delivered-2"], 2)


def test_a_big_backlog_goes_in_bounded_batches(api: Api) -> None:
    _deliveries(api, [("delivered", 31)] * 5)
    done = deliveries_purge(api.container, {"days": 30}, now(), batch=2, max_batches=2)
    assert done["webhook_deliveries"] == 4  # two batches of two; the next run takes the rest
    assert len(_left(api)[0]) == 1


def test_the_attempt_log_of_finished_3pl_dispatches_goes_the_dispatch_stays(api: Api) -> None:
    api.product("TEE")
    loc = api.location("TPL1", kind="3pl")
    api.stock("TEE", loc["id"], 5)
    api.ok(api.client.put("/api/v1/3pl/TPL1/endpoint", headers=api.headers(), json={
        "url": "http://127.0.0.1:9/nobody", "secret": "s3cret-shared-with-the-3pl-0123456789"}))
    customer = api.customer()["id"]
    for _ in range(2):
        api.order(customer, [("TEE", 1)])
    dispatch.send_pending(api.container.engine, crypto.box_for(api.container.settings),
                          Client(Policy.parse("127.0.0.1")))  # refused: one attempt each
    old = now() - timedelta(days=31)
    with api.container.engine.begin() as conn:
        conn.execute(update(tpl_dispatch_attempt).values(attempted_at=old))
        first = conn.execute(select(tpl_dispatch.c.id).order_by(tpl_dispatch.c.id)).scalars()
        gave_up = next(iter(first))
        conn.execute(update(tpl_dispatch).where(tpl_dispatch.c.id == gave_up)
                     .values(status="failed"))
    assert SPEC.handler(api.container, SPEC.params, now())["tpl_attempts"] == 1
    with api.container.engine.connect() as conn:
        left = [r.dispatch_id for r in conn.execute(select(tpl_dispatch_attempt.c.dispatch_id))]
        dispatches = len(conn.execute(select(tpl_dispatch.c.id)).all())
    assert gave_up not in left and len(left) == 1  # the pending one keeps its log
    assert dispatches == 2


@pytest.mark.parametrize("params", [{"days": 3}, {"days": "thirty"}, {"keep": 30}])
def test_bad_params_are_refused_with_a_sentence(params: dict[str, Any]) -> None:
    assert SPEC.validate is not None
    with pytest.raises(ValidationFailed) as e:
        SPEC.validate(params)
    assert "deliveries.purge params:" in e.value.detail
