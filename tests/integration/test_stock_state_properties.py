"""Random sequences of stock-state commands keep every stock invariant (Hypothesis, both
databases): adjustments, orders, quarantine in/release/scrap, transfers shipped and received in
parts, and cycle counts, through the HTTP API.

The model predicts each outcome (done, or the exact refusal); a refused command changes no row;
after every step the levels equal the model's (on hand, quarantined, in transit per SKU and
location) and the audit's stock and ledger checks find no breach.
"""

from __future__ import annotations

from dataclasses import dataclass
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

from pesanan.audit import checks
from pesanan.bootstrap import Container
from tests import dbs
from tests.factories import Api

SKUS = ("TEE", "MUG")
LOCATIONS = ("WH1", "WH2")
AUDITED = ("on_hand", "reserved", "available", "journal", "balances", "quarantine",
           "in_transit")
RUN = settings(max_examples=12, stateful_step_count=10, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])
qty = st.integers(min_value=1, max_value=6)
sku_ = st.sampled_from(SKUS)
loc_ = st.sampled_from(LOCATIONS)


@dataclass
class Transfer:
    id: str
    sku: str
    to: str
    in_transit: int


def machine_for(client: TestClient, container: Container) -> type[RuleBasedStateMachine]:
    class StockStates(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            dbs.clean(container.engine)
            container.keys.clear()
            self.api = Api(client, container)
            self.loc = {code: self.api.location(code)["id"] for code in LOCATIONS}
            for sku in SKUS:
                self.api.product(sku)
            self.customer = self.api.customer()["id"]
            keys = [(s, c) for s in SKUS for c in LOCATIONS]
            self.on_hand = dict.fromkeys(keys, 0)
            self.reserved = dict.fromkeys(keys, 0)
            self.quarantined = dict.fromkeys(keys, 0)
            self.transfers: list[Transfer] = []

        def available(self, sku: str, code: str) -> int:
            return self.on_hand[(sku, code)] - self.reserved[(sku, code)]

        def send(self, path: str, body: Any, ok: bool, status: int, problem: str
                 ) -> dict[str, Any] | None:
            """POST; when the model says it must be refused, prove nothing changed."""
            before = None if ok else dbs.snapshot(container.engine)
            resp: Response = self.api.post(path, body)
            if ok:
                assert resp.status_code in (200, 201), resp.text
                out: dict[str, Any] = resp.json()
                return out
            assert resp.status_code == status, resp.text
            assert resp.json()["type"] == f"/problems/{problem}"
            assert dbs.snapshot(container.engine) == before
            return None

        @initialize(counts=st.lists(st.integers(min_value=0, max_value=10), min_size=4,
                                    max_size=4))
        def opening_stock(self, counts: list[int]) -> None:
            for key, n in zip(self.on_hand, counts, strict=True):
                if n:
                    self.api.stock(key[0], self.loc[key[1]], n)
                    self.on_hand[key] = n

        @rule(sku=sku_, quantity=qty)
        def order(self, sku: str, quantity: int) -> None:
            """Where sourcing reserves is its business: the model re-reads the reservations."""
            ok = sum(self.available(sku, c) for c in LOCATIONS) >= quantity
            resp = self.api.post("/orders", self.api.order_body(self.customer, [(sku, quantity)]))
            # Refused only when short (a shop may also accept it as a backorder).
            assert resp.status_code == 201 if ok else resp.status_code in (201, 409), resp.text
            if resp.status_code == 201:
                for x in self.api.ok(self.api.get("/inventory", sku=sku))["items"]:
                    self.reserved[(sku, x["location_code"])] = x["reserved"]

        @rule(sku=sku_, code=loc_, quantity=qty, action=st.sampled_from(
            ("quarantine", "release", "scrap")))
        def quarantine(self, sku: str, code: str, quantity: int, action: str) -> None:
            key = (sku, code)
            path = "/inventory/quarantine" + ("" if action == "quarantine" else f"/{action}")
            ok = (self.available(sku, code) if action == "quarantine"
                  else self.quarantined[key]) >= quantity
            self.send(path, {"sku": sku, "location_id": self.loc[code], "quantity": quantity,
                             "reason": action}, ok, 409, "insufficient-stock")
            if ok:
                sign = 1 if action == "quarantine" else -1
                self.quarantined[key] += sign * quantity
                if action != "scrap":
                    self.on_hand[key] -= sign * quantity

        @rule(sku=sku_, source=loc_, quantity=qty)
        def transfer(self, sku: str, source: str, quantity: int) -> None:
            dest = next(c for c in LOCATIONS if c != source)
            ok = self.available(sku, source) >= quantity
            made = self.send("/inventory/transfers", {
                "from_location_id": self.loc[source], "to_location_id": self.loc[dest],
                "lines": [{"sku": sku, "quantity": quantity}]}, ok, 409, "insufficient-stock")
            if made is None:
                return
            self.send(f"/inventory/transfers/{made['id']}/ship", None, True, 0, "")
            self.on_hand[(sku, source)] -= quantity
            self.transfers.append(Transfer(made["id"], sku, dest, quantity))

        @precondition(lambda self: any(t.in_transit for t in self.transfers))
        @rule(data=st.data(), quantity=qty)
        def receive(self, data: st.DataObject, quantity: int) -> None:
            t = data.draw(st.sampled_from([t for t in self.transfers if t.in_transit]))
            ok = quantity <= t.in_transit
            self.send(f"/inventory/transfers/{t.id}/receive",
                      {"lines": [{"sku": t.sku, "quantity": quantity}]}, ok, 422,
                      "validation-error")
            if ok:
                t.in_transit -= quantity
                self.on_hand[(t.sku, t.to)] += quantity

        @rule(sku=sku_, code=loc_, counted=st.integers(min_value=0, max_value=12))
        def count(self, sku: str, code: str, counted: int) -> None:
            ok = counted >= self.reserved[(sku, code)]
            self.send("/inventory/counts", {"location_id": self.loc[code], "post": True,
                                            "lines": [{"sku": sku, "counted": counted}]},
                      ok, 409, "insufficient-stock")
            if ok:
                self.on_hand[(sku, code)] = counted

        @invariant()
        def levels_match_the_model(self) -> None:
            items = self.api.ok(self.api.get("/inventory", limit=250))["items"]
            seen = {(x["sku"], x["location_code"]): (x["on_hand"], x["reserved"],
                                                     x["quarantined"], x["in_transit"])
                    for x in items}
            for key in self.on_hand:
                transit = sum(t.in_transit for t in self.transfers
                              if (t.sku, t.to) == key)
                want = (self.on_hand[key], self.reserved[key], self.quarantined[key], transit)
                assert seen.get(key, (0, 0, 0, 0)) == want, key

        @invariant()
        def the_audit_finds_nothing(self) -> None:
            with checks.snapshot(container.engine) as conn:
                bad = {r.check.name: r.breaches for r in checks.run_all(conn)
                       if r.check.name in AUDITED and not r.ok}
            assert bad == {}

    return StockStates


def test_random_stock_state_commands_keep_the_invariants(backend: str, client: TestClient,
                                                         container: Container) -> None:
    run_state_machine_as_test(machine_for(client, container), settings=RUN)
