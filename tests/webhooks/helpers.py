"""Driving the worker's webhook tasks by hand: relay, fan-out, send."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection
from standardwebhooks import Webhook

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.events import relay
from pesanan.events.service import emit
from pesanan.webhooks import deliver, direct, fanout
from tests.factories import Api
from tests.webhooks.receiver import Received


def emit_orders(c: Container, orders: int, steps: int) -> list[str]:
    """`steps` events for each of `orders` orders, one transaction per step (so one order's
    events are spread over the feed, between the others'), stamped and fanned out; the order
    ids."""
    ids = [new_id() for _ in range(orders)]
    for step in range(steps):
        def tx(conn: Connection, step: int = step) -> None:
            for agg in ids:
                emit(conn, "order.placed", "order", agg, {"id": agg, "step": step})
        transact(c.engine, tx)
    relay.stamp_pending(c.engine)
    while fanout.run(c.engine):
        pass
    return ids


def pump(c: Container) -> int:
    """One pass of the webhook tasks as the worker runs them: the relay, then fan-out (which
    sends what can go at once) until it finds nothing new, or else the delivery lane (what
    is due: retries, an order's later events). How many events or deliveries it handled."""
    relay.stamp_pending(c.engine)
    box, client = crypto.box_for(c.settings), outbound.client_for(c.settings)
    rules = deliver.rules_for(c.settings)
    handled = 0
    while n := direct.run(c.engine, box, client, rules):
        handled += n
    return handled or deliver.send_due(c.engine, box, client, rules)


def pump_until(c: Container, done: Any, timeout: float = 10.0) -> None:
    """Pump until `done()` is true (retries wait a few scaled milliseconds)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise AssertionError("webhooks did not settle in time")
        if pump(c) == 0:
            time.sleep(0.02)


def endpoint(api: Api, url: str, types: list[str] | None = None) -> dict[str, Any]:
    return api.ok(api.post("/webhooks/endpoints", {"url": url, "event_types": types or []}),
                  201)


def verify(secret: str, got: Received) -> dict[str, Any]:
    """The payload, once standardwebhooks' verifier accepted the signature (raises if not)."""
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return payload


def shop(api: Api, units: int = 100) -> tuple[dict[str, Any], str]:
    """A product with stock and a customer: (product, customer id)."""
    product = api.product()
    loc = api.location()
    api.stock(product["sku"], loc["id"], units)
    return product, api.customer()["id"]
