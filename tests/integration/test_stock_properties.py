"""Random sequences of stock commands keep the stock invariants (Hypothesis, both databases).

A RuleBasedStateMachine drives the HTTP API with adjustments (+/-), orders, cancellations and
shipments (whole or partial, sometimes too many) and keeps a model of what must hold:

- every command's outcome is the one the model predicts (201/200, or the exact refusal);
- a refused command changes nothing (every row of every table is compared);
- per (product, location): on_hand == SUM(stock_movement.quantity),
  reserved == SUM(open reservation quantity), 0 <= reserved <= on_hand;
- per SKU: on hand and reserved equal the model's; per open order, its open reservations equal
  what it has left to ship (and a cancelled order holds nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from pesanan.bootstrap import Container
from tests import dbs
from tests.factories import Api

SKUS = ("TEE", "MUG")
LOCATIONS = ("WH1", "WH2")
SHIP = {"carrier": "DHL", "service": "parcel", "tracking_number": "JD0001"}
RUN = settings(max_examples=25, stateful_step_count=15, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])

quantities = st.integers(min_value=1, max_value=6)
# One line in eleven names an unknown SKU, so refused orders are common but not the rule.
order_skus = st.sampled_from((*SKUS * 5, "NOPE"))
order_lines = st.lists(st.tuples(order_skus, quantities), min_size=1, max_size=3)


@dataclass
class Order:
    id: str
    lines: dict[str, int]
    shipped: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    def unshipped(self, sku: str) -> int:
        return self.lines.get(sku, 0) - self.shipped.get(sku, 0)

    @property
    def open_units(self) -> int:
        return 0 if self.cancelled else sum(self.unshipped(s) for s in self.lines)


def stock_rows(container: Container) -> list[tuple[str, str, int, int, int, int]]:
    """(sku, location code, on_hand, reserved, SUM movements, SUM open reservations) for every
    level, movement or reservation that exists."""
    with container.engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT p.sku, l.code, COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0),
                   (SELECT COALESCE(SUM(m.quantity), 0) FROM stock_movement m
                     WHERE m.product_id = k.product_id AND m.location_id = k.location_id),
                   (SELECT COALESCE(SUM(r.quantity), 0) FROM reservation r
                     WHERE r.product_id = k.product_id AND r.location_id = k.location_id
                       AND r.status = 'open')
            FROM (SELECT product_id, location_id FROM stock_level
                  UNION SELECT product_id, location_id FROM stock_movement
                  UNION SELECT product_id, location_id FROM reservation) k
            JOIN product p ON p.id = k.product_id
            JOIN location l ON l.id = k.location_id
            LEFT JOIN stock_level s ON s.product_id = k.product_id
                                   AND s.location_id = k.location_id
            ORDER BY p.sku, l.code""")).all()
    return [tuple(int(x) if i > 1 else x for i, x in enumerate(r)) for r in rows]  # type: ignore[misc]


def held_by_order(container: Container) -> dict[str, int]:
    with container.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT order_id, SUM(quantity) FROM reservation WHERE status = 'open' "
            "GROUP BY order_id")).all()
    return {order_id: int(n) for order_id, n in rows}


def machine_for(client: TestClient, container: Container) -> type[RuleBasedStateMachine]:
    class StockCommands(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            dbs.clean(container.engine)
            container.keys.clear()
            self.api = Api(client, container)
            self.loc = {code: self.api.location(code)["id"] for code in LOCATIONS}
            for sku in SKUS:
                self.api.product(sku, price="12.50", tax_rate="0.11")
            self.customer = self.api.customer()["id"]
            self.on_hand = {(s, c): 0 for s in SKUS for c in LOCATIONS}
            self.reserved = dict.fromkeys(SKUS, 0)
            self.orders: list[Order] = []

        # --- helpers -----------------------------------------------------------------
        def expect(self, resp: Response, status: int, problem: str | None = None
                   ) -> dict[str, Any]:
            assert resp.status_code == status, resp.text
            body: dict[str, Any] = resp.json()
            if problem:
                assert body["type"] == f"/problems/{problem}", body
            return body

        def refused(self, send: Any, status: int, problem: str) -> None:
            before = dbs.snapshot(container.engine)
            self.expect(send(), status, problem)
            assert dbs.snapshot(container.engine) == before

        def level_reserved(self, sku: str, code: str) -> int:
            return next((r[3] for r in stock_rows(container) if r[:2] == (sku, code)), 0)

        def pick_order(self, data: st.DataObject) -> Order:
            """Mostly an order that is still open, sometimes any (to hit the refusals)."""
            live = [o for o in self.orders if o.open_units]
            pool = live if live and data.draw(st.sampled_from("LLLA")) == "L" else self.orders
            return data.draw(st.sampled_from(pool))

        def available(self, sku: str) -> int:
            return sum(self.on_hand[(sku, c)] for c in LOCATIONS) - self.reserved[sku]

        # --- rules -------------------------------------------------------------------
        @initialize(counts=st.lists(st.integers(min_value=0, max_value=12), min_size=4,
                                    max_size=4))
        def opening_stock(self, counts: list[int]) -> None:
            for (sku, code), n in zip(self.on_hand, counts, strict=True):
                if n:
                    self.api.stock(sku, self.loc[code], n)
                    self.on_hand[(sku, code)] = n

        @rule(sku=st.sampled_from(SKUS), code=st.sampled_from(LOCATIONS),
              delta=st.integers(min_value=-6, max_value=6))
        def adjust(self, sku: str, code: str, delta: int) -> None:
            body = {"sku": sku, "location_id": self.loc[code], "quantity": delta,
                    "reason": "count"}

            def send() -> Response:
                return self.api.post("/inventory/adjustments", body)

            if delta == 0:
                self.refused(send, 422, "validation-error")
            elif self.on_hand[(sku, code)] + delta < self.level_reserved(sku, code):
                self.refused(send, 409, "insufficient-stock")
            else:
                level = self.expect(send(), 201)
                self.on_hand[(sku, code)] += delta
                assert level["on_hand"] == self.on_hand[(sku, code)]

        @rule(lines=order_lines)
        def place(self, lines: list[tuple[str, int]]) -> None:
            body = self.api.order_body(self.customer, lines)

            def send() -> Response:
                return self.api.post("/orders", body)

            wanted: dict[str, int] = {}
            for sku, q in lines:
                wanted[sku] = wanted.get(sku, 0) + q
            if "NOPE" in wanted:
                self.refused(send, 422, "validation-error")
            elif any(q > self.available(sku) for sku, q in wanted.items()):
                self.refused(send, 409, "insufficient-stock")
            else:
                order = self.expect(send(), 201)
                self.orders.append(Order(order["id"], wanted))
                for sku, q in wanted.items():
                    self.reserved[sku] += q

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            order = self.pick_order(data)

            def send() -> Response:
                return self.api.post(f"/orders/{order.id}/cancel", {"reason": "changed mind"})

            if order.cancelled or order.shipped:
                self.refused(send, 409, "invalid-transition")
                return
            self.expect(send(), 200)
            order.cancelled = True
            for sku, q in order.lines.items():
                self.reserved[sku] -= q

        @precondition(lambda self: self.orders)
        @rule(data=st.data(), partial=st.booleans(), sku=st.sampled_from(SKUS),
              quantity=quantities)
        def ship(self, data: st.DataObject, partial: bool, sku: str, quantity: int) -> None:
            order = self.pick_order(data)
            body: dict[str, Any] = dict(SHIP)
            if partial:
                body["lines"] = [{"sku": sku, "quantity": quantity}]
                units = {sku: quantity}
            else:
                units = {s: order.unshipped(s) for s in order.lines if order.unshipped(s)}

            def send() -> Response:
                return self.api.post(f"/orders/{order.id}/shipments", body)

            if order.cancelled or (not partial and not order.open_units):
                self.refused(send, 409, "invalid-transition")
            elif partial and quantity > order.unshipped(sku):
                self.refused(send, 422, "validation-error")  # not on the order, or too many
            else:
                self._shipped(order, units, self.expect(send(), 201)["items"])

        def _shipped(self, order: Order, units: dict[str, int],
                     shipments: list[dict[str, Any]]) -> None:
            code_of = {v: k for k, v in self.loc.items()}
            left: dict[str, int] = {}
            for s in shipments:
                for line in s["lines"]:
                    self.on_hand[(line["sku"], code_of[s["location_id"]])] -= line["quantity"]
                    left[line["sku"]] = left.get(line["sku"], 0) + line["quantity"]
            assert left == units
            for s, q in units.items():
                order.shipped[s] = order.shipped.get(s, 0) + q
                self.reserved[s] -= q

        # --- invariants --------------------------------------------------------------
        @invariant()
        def stock_matches_its_journal_and_reservations(self) -> None:
            for sku, code, on_hand, reserved, moved, held in stock_rows(container):
                assert on_hand == moved, (sku, code, on_hand, moved)
                assert reserved == held, (sku, code, reserved, held)
                assert 0 <= reserved <= on_hand, (sku, code, reserved, on_hand)
                assert on_hand == self.on_hand[(sku, code)], (sku, code)

        @invariant()
        def reserved_per_sku_and_per_order_match_the_model(self) -> None:
            rows = stock_rows(container)
            for sku in SKUS:
                assert sum(r[3] for r in rows if r[0] == sku) == self.reserved[sku], sku
            held = held_by_order(container)
            assert {o.id: o.open_units for o in self.orders if o.open_units} == held

    return StockCommands


def test_random_stock_commands_keep_the_stock_invariants(backend: str, client: TestClient,
                                                         container: Container) -> None:
    run_state_machine_as_test(machine_for(client, container), settings=RUN)
