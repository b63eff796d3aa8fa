"""Helpers for the automation tests: a shop with one product in stock, rules over the API, and
one pass of the relay and the automation consumer (what the worker does on its own)."""

from __future__ import annotations

from typing import Any

from pesanan.automation import consumer
from pesanan.events import consumers, relay
from pesanan.events.models import outbox
from tests.factories import Api


def shop(api: Api, sku: str = "TEE", units: int = 50) -> dict[str, Any]:
    api.product(sku, price="100.00", tax_rate="0.10")
    wh = api.location("WH", kind="warehouse")
    api.stock(sku, wh["id"], units)
    return wh


def rule(api: Api, name: str, trigger: str, conditions: list[dict[str, Any]],
         actions: list[dict[str, Any]]) -> dict[str, Any]:
    return api.ok(api.post("/automation/rules", {"name": name, "trigger": trigger,
                                                 "conditions": conditions,
                                                 "actions": actions}), 201)


def ship(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    return api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": f"JNE{order['number']}"}), 201)


def automate(api: Api) -> int:
    """What the worker does until idle: stamp what is committed, let the automation consumer
    read it; again while the rules' own actions made new events. How many events it read."""
    handled = 0
    while True:
        while relay.stamp_pending(api.container.engine):
            pass
        n = consumer.run_once(api.container.engine)
        if n == 0:
            return handled
        handled += n


def put_cursor_back(api: Api, position: int) -> None:
    with api.container.engine.begin() as conn:
        consumers.reset(conn, consumer.NAME, position)


def events_of(api: Api, type_: str) -> list[dict[str, Any]]:
    with api.container.engine.connect() as conn:
        return [dict(r) for r in conn.execute(outbox.select().where(outbox.c.type == type_)
                                              .order_by(outbox.c.sequence)).mappings()]
