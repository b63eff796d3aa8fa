"""Giving back an order's reservations (inventory.release_for_order) checks that each guarded
UPDATE changed its row: a reservation the stock level does not hold, or one consumed since it
was read, rolls the whole command back instead of being marked released."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, event, text, update

from pesanan.inventory.models import reservation, stock_level
from tests.dbs import snapshot
from tests.factories import Api


def _order(api: Api) -> tuple[dict[str, Any], str]:
    api.product("TEE", price="20.00")
    wh = api.location("WH1")["id"]
    api.stock("TEE", wh, 10)
    return api.order(api.customer()["id"], [("TEE", 3)]), wh


def test_a_cancel_whose_stock_level_does_not_hold_the_reservation_changes_nothing(
        api: Api) -> None:
    order, wh = _order(api)
    with api.container.engine.begin() as conn:  # a broken row (pesanan audit would flag it)
        conn.execute(update(stock_level).where(stock_level.c.location_id == wh)
                     .values(reserved=2))
    before = snapshot(api.container.engine)

    resp = api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"})

    assert resp.status_code == 409, resp.text
    assert resp.json()["type"] == "/problems/conflict"
    assert snapshot(api.container.engine) == before
    with api.container.engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, quantity FROM reservation")).all()
    assert [tuple(r) for r in statuses] == [("open", 3)]


@pytest.mark.postgres_only
def test_a_reservation_consumed_after_it_was_read_is_not_marked_released(api: Api) -> None:
    order, wh = _order(api)
    engine = api.container.engine
    injected: list[bool] = []

    def consume_first(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        # Just before the cancel's first stock UPDATE, another transaction ships the units:
        # the reservation the cancel read as open is consumed and commits first.
        if injected or not statement.startswith("UPDATE stock_level"):
            return
        injected.append(True)
        with engine.begin() as other:
            other.execute(update(stock_level).where(stock_level.c.location_id == wh)
                          .values(on_hand=stock_level.c.on_hand - 3,
                                  reserved=stock_level.c.reserved - 3))
            other.execute(update(reservation).values(status="consumed", quantity=0))

    event.listen(engine, "before_cursor_execute", consume_first)
    try:
        resp = api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"})
    finally:
        event.remove(engine, "before_cursor_execute", consume_first)

    assert injected == [True]
    assert resp.status_code == 200, resp.text  # re-run on fresh data: nothing left to give back
    level = api.level("TEE", wh)
    assert (level["on_hand"], level["reserved"]) == (7, 0)
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, quantity FROM reservation")).all()
    assert [tuple(r) for r in statuses] == [("consumed", 0)]
