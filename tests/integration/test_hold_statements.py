"""The hot path's budget for hold rules: no extra statement without a rule that needs the
customer's facts, exactly one with one (orders/holds.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.factories import Api


@contextmanager
def counting(api: Api) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = api.container.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _statements(api: Api, customer_id: str) -> int:
    with counting(api) as seen:
        api.order(customer_id, [("TEE", 1)])
    return len(seen)


def test_rules_cost_nothing_unless_they_need_the_customer_and_then_one_statement(
        api: Api) -> None:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH1")["id"], 100)
    cid = api.customer()["id"]
    api.order(cid, [("TEE", 1)])  # warm: the rule cache holds "no rules"
    plain = _statements(api, cid)

    api.ok(api.post("/hold-rules", {"kind": "order_total_above",
                                    "parameters": {"limits": {"USD": "1000.00"}}}), 201)
    first = _statements(api, cid)  # the cache was dropped: the rules are read once
    assert first == plain + 1
    assert _statements(api, cid) == plain

    api.ok(api.post("/hold-rules", {"kind": "order_velocity",
                                    "parameters": {"orders": 50, "minutes": 5}}), 201)
    api.ok(api.post("/hold-rules", {"kind": "credit_limit", "parameters": {}}), 201)
    api.order(cid, [("TEE", 1)])
    assert _statements(api, cid) == plain + 1
