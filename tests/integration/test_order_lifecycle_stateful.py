"""Issue 4 acceptance: random sequences of order-lifecycle and stock commands keep every stock
invariant and `pesanan audit` clean after each step (Hypothesis stateful, both databases).

A RuleBasedStateMachine drives the HTTP API over a small shop (3 SKUs, 3 locations, a supplier)
with: place an order (web/pos/phone, sometimes more than is available or an unknown SKU), ship
it (whole or one line in part), ship one fulfilment order, pack/unpack a fulfilment order,
deliver or fail a shipment, cancel, edit (set a quantity, remove or add a line), transfer stock
(create+ship, receive in parts), draft and receive purchase orders (in parts), return delivered
goods (invoice if needed, request, approve, receive with restock/quarantine/scrap), release or
scrap quarantined stock, and adjust stock.

The model keeps, per SKU x location, on hand and quarantined units (reserved, in transit and
incoming follow from the orders, transfers and purchase orders it keeps), and per order line
ordered / shipped / delivered / returned units and where its unshipped units are held. Every
command's outcome is predicted: refused ones must give the predicted status and problem and
change no row of any table; accepted ones update the model. After every step: the API's levels
equal the model's (available >= 0 everywhere), open reservations per order line and location
equal the model's, order lines equal the model's, and every check of `pesanan audit` passes.
Where sourcing puts an order's units (its rules are tested elsewhere) is learnt from the
order's fulfilment orders and then held to: stock must leave from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from pesanan.migrations.tables import metadata
from tests import dbs
from tests.factories import Api

SKUS = ("TEE", "MUG", "CAP")
LOCATIONS = ("WH1", "WH2", "ST1")
# Deterministic (derandomize): the same 25 x 20 steps on every run, so CI cannot flake; about
# 13 s on SQLite and 23 s on PostgreSQL here. To explore, run it with derandomize=False and more
# examples: that is how the bug at the end of this file was found.
RUN = settings(max_examples=25, stateful_step_count=20, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])
SHIP_FO_OPEN = ("open", "picking", "packed", "partially_shipped", "failed_delivery")
BLOCKS_CHANGE = ("packed", "partially_shipped")  # a withdrawal refuses these (409)

qty = st.integers(min_value=1, max_value=6)
sku_ = st.sampled_from(SKUS)
loc_ = st.sampled_from(LOCATIONS)
# One line in sixteen names an unknown SKU, so refusals for it happen but are not the rule.
order_skus = st.sampled_from((*SKUS * 5, "NOPE"))
order_lines = st.lists(st.tuples(order_skus, qty), min_size=1, max_size=3)


@dataclass
class Line:
    id: str
    sku: str
    quantity: int
    shipped: int = 0
    delivered: int = 0
    returned: int = 0


@dataclass
class Order:
    id: str
    lines: dict[str, Line]
    status: str = "open"
    invoiced: bool = False
    # (order line id, location code) -> unshipped units held (reserved) there
    held: dict[tuple[str, str], int] = field(default_factory=dict)
    # fulfilment orders as last read: id -> (location code, status, units left)
    fos: dict[str, tuple[str, str, int]] = field(default_factory=dict)

    @property
    def shipped(self) -> int:
        return sum(x.shipped for x in self.lines.values())

    @property
    def unshipped(self) -> int:
        return sum(x.quantity - x.shipped for x in self.lines.values())

    def holds(self, sku: str) -> int:
        return sum(q for (line, _), q in self.held.items() if self.lines[line].sku == sku)


@dataclass
class Shipment:
    id: str
    order: Order
    lines: dict[str, int]
    status: str = "shipped"


@dataclass
class Transfer:
    id: str
    sku: str
    to: str
    in_transit: int


@dataclass
class PurchaseOrder:
    id: str
    sku: str
    loc: str
    outstanding: int


def reset(engine: Engine) -> None:
    """Empty the tables between examples. tests/dbs.clean's TRUNCATE of every table costs ~0.5 s
    on PostgreSQL; deleting the few rows an example made costs a tenth of that. Sequences are not
    restarted: nothing here depends on the numbers."""
    with engine.begin() as conn:
        for t in reversed(metadata.sorted_tables):
            if t.name not in dbs.KEEP:
                conn.execute(t.delete())


def label(path: str) -> str:
    """/orders/<id>/edits -> orders/edits: what `event` counts (--hypothesis-show-statistics
    does not report on state machines; a local run can count them)."""
    parts = path.strip("/").split("/")
    return f"{parts[0]}/{parts[-1]}" if len(parts) > 2 else "/".join(parts)


def machine_for(client: TestClient, container: Container) -> type[RuleBasedStateMachine]:
    engine = container.engine

    class OrderLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            reset(engine)  # a fresh shop per example
            container.keys.clear()
            self.api = Api(client, container)
            self.api.key("admin")  # created now, so refusals can compare whole snapshots
            self.loc = {code: self.api.location(code, kind="store" if code == "ST1"
                                                else "warehouse")["id"]
                        for code in LOCATIONS}
            self.code_of = {v: k for k, v in self.loc.items()}
            for sku in SKUS:
                # 10.00 + 10% tax: 11.00 a unit, so credits never round.
                self.api.product(sku, price="10.00", tax_rate="0.10", standard_cost="6.00")
            self.customer = self.api.customer()["id"]
            self.supplier = self.api.ok(self.api.post("/suppliers", {
                "name": "Pabrik", "currency": "USD"}), 201)["id"]
            self.api.ok(self.api.post("/carriers", {"code": "JNE", "name": "JNE"}), 201)
            keys = [(s, c) for s in SKUS for c in LOCATIONS]
            self.on_hand = dict.fromkeys(keys, 0)
            self.quarantined = dict.fromkeys(keys, 0)
            self.orders: list[Order] = []
            self.shipments: list[Shipment] = []
            self.transfers: list[Transfer] = []
            self.pos: list[PurchaseOrder] = []
            self.n = 0

        # --- model ---------------------------------------------------------------------
        def reserved(self, sku: str, code: str) -> int:
            return sum(q for o in self.orders for (line, c), q in o.held.items()
                       if c == code and o.lines[line].sku == sku)

        def live(self) -> bool:
            """Some order is open with units left to ship (else order rules only refuse)."""
            return any(o.status == "open" and o.unshipped for o in self.orders)

        def available(self, sku: str, code: str) -> int:
            return self.on_hand[(sku, code)] - self.reserved(sku, code)

        def available_sku(self, sku: str) -> int:
            return sum(self.available(sku, c) for c in LOCATIONS)

        def tracking(self) -> str:
            self.n += 1
            return f"T{self.n:05d}"

        # --- sending -------------------------------------------------------------------
        def accepted(self, resp: Response, status: int = 200) -> dict[str, Any]:
            assert resp.status_code == status, resp.text
            if resp.request.method == "POST":
                event(f"done {label(resp.request.url.path.removeprefix('/api/v1'))}")
            body: dict[str, Any] = resp.json()
            return body

        def refused(self, path: str, body: Any, status: int, *problems: str) -> dict[str, Any]:
            """POST what the model says must be refused; prove no row of any table changed."""
            event(f"refused {status} {label(path)}")
            before = dbs.snapshot(engine)
            resp = self.api.post(path, body)
            assert resp.status_code == status, resp.text
            doc: dict[str, Any] = resp.json()
            assert doc["type"] in {f"/problems/{p}" for p in problems}, doc
            assert dbs.snapshot(engine) == before, f"refused {path} changed rows"
            return doc

        def pick(self, data: st.DataObject, pool: list[Any], good: list[Any]) -> Any:
            """Mostly one that the command can work on, sometimes any (to hit the refusals)."""
            use = good if good and data.draw(st.sampled_from("GGGA")) == "G" else pool
            return data.draw(st.sampled_from(use))

        def learn(self, order: Order) -> None:
            """Re-read the order's fulfilment orders after sourcing (placement, edit): its units
            left per line and location become the model's holdings; each line's unshipped units
            must be exactly covered (the invariants then hold the reservations to them)."""
            held: dict[tuple[str, str], int] = {}
            for fo in self.refresh(order):
                if fo["status"] == "cancelled":
                    continue
                for x in fo["lines"]:
                    if x["quantity_remaining"]:
                        key = (x["order_line_id"], self.code_of[fo["location_id"]])
                        held[key] = held.get(key, 0) + x["quantity_remaining"]
            for line in order.lines.values():
                on_fos = sum(q for (lid, _), q in held.items() if lid == line.id)
                assert on_fos == line.quantity - line.shipped, (line, held)
            order.held = held

        def fo_views(self, order: Order) -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = self.accepted(
                self.api.get(f"/orders/{order.id}/fulfilment-orders"))["items"]
            return items

        def refresh(self, order: Order) -> list[dict[str, Any]]:
            """The order's fulfilment orders' statuses as the API shows them now."""
            views = self.fo_views(order)
            order.fos = {fo["id"]: (self.code_of[fo["location_id"]], fo["status"],
                                    fo["units"] - fo["units_shipped"]) for fo in views}
            return views

        def sync_status(self, order: Order) -> None:
            """An order completes by itself once fulfilled, delivered and paid (a credit note
            can pay it): take the API's word only for that, and check it was due."""
            status = self.accepted(self.api.get(f"/orders/{order.id}"))["status"]
            if status != order.status:
                assert (order.status, status) == ("open", "completed"), (order.status, status)
                assert order.unshipped == 0
                assert all(s.status == "delivered" for s in self.shipments if s.order is order)
                order.status = status

        def blocked(self, order: Order) -> bool:
            return any(s in BLOCKS_CHANGE for _, s, _ in order.fos.values())

        def shipped(self, order: Order, want: dict[str, int], shipments: list[dict[str, Any]],
                    then: str) -> None:
            """Book shipments the API made: stock leaves where the units were held."""
            got: dict[str, int] = {}
            for s in shipments:
                code = self.code_of[s["location_id"]]
                lines: dict[str, int] = {}
                for x in s["lines"]:
                    key = (x["order_line_id"], code)
                    assert order.held.get(key, 0) >= x["quantity"], (key, order.held)
                    order.held[key] -= x["quantity"]
                    if not order.held[key]:
                        del order.held[key]
                    line = order.lines[x["order_line_id"]]
                    line.shipped += x["quantity"]
                    self.on_hand[(line.sku, code)] -= x["quantity"]
                    lines[line.id] = lines.get(line.id, 0) + x["quantity"]
                    got[line.id] = got.get(line.id, 0) + x["quantity"]
                self.shipments.append(Shipment(s["id"], order, lines))
            assert got == want, (got, want)
            self.refresh(order)
            if then:
                for made in self.shipments[-len(shipments):]:
                    self.deliver_one(made, fail=then == "fail")

        # --- rules: stock ----------------------------------------------------------------
        @initialize(counts=st.lists(st.integers(min_value=2, max_value=12), min_size=9,
                                    max_size=9))
        def opening_stock(self, counts: list[int]) -> None:
            for key, n in zip(self.on_hand, counts, strict=True):
                if n:
                    self.api.stock(key[0], self.loc[key[1]], n)
                    self.on_hand[key] = n

        @rule(sku=sku_, code=loc_, delta=st.integers(min_value=-6, max_value=6),
              kind=st.sampled_from(("adjust", "adjust", "release", "scrap")))
        def adjust_or_clear_quarantine(self, sku: str, code: str, delta: int, kind: str
                                       ) -> None:
            if kind != "adjust":
                self.clear_quarantine(sku, code, abs(delta) or 1, kind == "scrap")
                return
            body = {"sku": sku, "location_id": self.loc[code], "quantity": delta,
                    "reason": "count"}
            if delta == 0:
                self.refused("/inventory/adjustments", body, 422, "validation-error")
            elif self.on_hand[(sku, code)] + delta < self.reserved(sku, code):
                self.refused("/inventory/adjustments", body, 409, "insufficient-stock")
            else:
                level = self.accepted(self.api.post("/inventory/adjustments", body), 201)
                self.on_hand[(sku, code)] += delta
                assert level["on_hand"] == self.on_hand[(sku, code)]

        @rule(data=st.data(), sku=sku_, source=loc_, hop=st.integers(min_value=1, max_value=2),
              quantity=qty, receive=st.booleans(), received=st.one_of(st.none(), qty))
        def transfer(self, data: st.DataObject, sku: str, source: str, hop: int, quantity: int,
                     receive: bool, received: int | None) -> None:
            """Create and ship a transfer, or receive (some of, or all) one in transit."""
            if receive and any(t.in_transit for t in self.transfers):
                self.receive_transfer(data, received)
                return
            dest = LOCATIONS[(LOCATIONS.index(source) + hop) % len(LOCATIONS)]
            body = {"from_location_id": self.loc[source], "to_location_id": self.loc[dest],
                    "lines": [{"sku": sku, "quantity": quantity}]}
            if self.available(sku, source) < quantity:
                self.refused("/inventory/transfers", body, 409, "insufficient-stock")
                return
            made = self.accepted(self.api.post("/inventory/transfers", body), 201)
            self.accepted(self.api.post(f"/inventory/transfers/{made['id']}/ship"))
            self.on_hand[(sku, source)] -= quantity
            self.transfers.append(Transfer(made["id"], sku, dest, quantity))

        def receive_transfer(self, data: st.DataObject, quantity: int | None) -> None:
            t = data.draw(st.sampled_from([t for t in self.transfers if t.in_transit]))
            path = f"/inventory/transfers/{t.id}/receive"
            body = None if quantity is None else {"lines": [{"sku": t.sku,
                                                             "quantity": quantity}]}
            if quantity is not None and quantity > t.in_transit:
                self.refused(path, body, 422, "validation-error")
                return
            self.accepted(self.api.post(path, body))
            got = t.in_transit if quantity is None else quantity
            t.in_transit -= got
            self.on_hand[(t.sku, t.to)] += got

        @rule(data=st.data(), sku=sku_, code=loc_, quantity=st.integers(min_value=1, max_value=8),
              receive=st.booleans(), received=st.one_of(st.none(), qty))
        def purchase(self, data: st.DataObject, sku: str, code: str, quantity: int,
                     receive: bool, received: int | None) -> None:
            """Draft a purchase order, or receive (some of, or all) an open one."""
            if receive and any(p.outstanding for p in self.pos):
                self.receive_purchase_order(data, received)
                return
            po = self.accepted(self.api.post("/purchase-orders", {
                "supplier_id": self.supplier, "location_id": self.loc[code],
                "lines": [{"sku": sku, "quantity": quantity, "unit_cost": "6.00"}]}), 201)
            self.pos.append(PurchaseOrder(po["id"], sku, code, quantity))

        def receive_purchase_order(self, data: st.DataObject, quantity: int | None) -> None:
            po = data.draw(st.sampled_from([p for p in self.pos if p.outstanding]))
            path = f"/purchase-orders/{po.id}/receipts"
            body = None if quantity is None else {"lines": [{"sku": po.sku,
                                                             "quantity": quantity}]}
            if quantity is not None and quantity > po.outstanding:
                self.refused(path, body, 422, "validation-error")
                return
            self.accepted(self.api.post(path, body))
            got = po.outstanding if quantity is None else quantity
            po.outstanding -= got
            self.on_hand[(po.sku, po.loc)] += got

        def clear_quarantine(self, sku: str, code: str, quantity: int, scrap: bool) -> None:
            path = "/inventory/quarantine/" + ("scrap" if scrap else "release")
            body = {"sku": sku, "location_id": self.loc[code], "quantity": quantity,
                    "reason": "inspected"}
            if self.quarantined[(sku, code)] < quantity:
                self.refused(path, body, 409, "insufficient-stock")
                return
            self.accepted(self.api.post(path, body))
            self.quarantined[(sku, code)] -= quantity
            if not scrap:
                self.on_hand[(sku, code)] += quantity

        # --- rules: orders ---------------------------------------------------------------
        @initialize(lines=st.lists(st.tuples(sku_, qty), min_size=1, max_size=3))
        def opening_order(self, lines: list[tuple[str, int]]) -> None:
            self.place(lines, "web")

        @rule(lines=order_lines, channel=st.sampled_from(("web", "web", "pos", "phone")))
        def place(self, lines: list[tuple[str, int]], channel: str) -> None:
            extra: dict[str, Any] = {}
            if channel != "web":
                extra = {"keyed_by": "clerk",
                         "keyed_at_location_id": self.loc["ST1" if channel == "pos" else "WH1"]}
            body = self.api.order_body(self.customer, lines, channel, **extra)
            wanted: dict[str, int] = {}
            for sku, q in lines:
                wanted[sku] = wanted.get(sku, 0) + q
            if "NOPE" in wanted:
                self.refused("/orders", body, 422, "validation-error")
                return
            if any(q > self.available_sku(sku) for sku, q in wanted.items()):
                self.refused("/orders", body, 409, "insufficient-stock")
                return
            view = self.accepted(self.api.post("/orders", body), 201)
            assert view["status"] == "open", view
            assert [(x["sku"], x["quantity"]) for x in view["lines"]] == lines
            order = Order(view["id"], {x["id"]: Line(x["id"], x["sku"], x["quantity"])
                                       for x in view["lines"]})
            self.orders.append(order)
            self.learn(order)

        @precondition(lambda self: self.live())
        @rule(data=st.data(), partial=st.booleans(), quantity=qty,
              then=st.sampled_from(("", "deliver", "fail")))
        def ship_order(self, data: st.DataObject, partial: bool, quantity: int, then: str
                       ) -> None:
            """Ship an order (all it has left, or part of one line); maybe deliver it or fail
            to, at once."""
            order = self.pick(data, self.orders,
                              [o for o in self.orders if o.status == "open" and o.unshipped])
            line = data.draw(st.sampled_from(list(order.lines.values())))
            body: dict[str, Any] = {"carrier": "DHL", "service": "parcel",
                                    "tracking_number": self.tracking()}
            if partial:
                body["lines"] = [{"order_line_id": line.id, "quantity": quantity}]
                want = {line.id: quantity}
            else:
                want = {x.id: x.quantity - x.shipped for x in order.lines.values()
                        if x.quantity > x.shipped}
            path = f"/orders/{order.id}/shipments"
            if order.status != "open" or not want:
                self.refused(path, body, 409, "invalid-transition")
            elif partial and quantity > line.quantity - line.shipped:
                self.refused(path, body, 422, "validation-error")
            else:
                made = self.accepted(self.api.post(path, body), 201)
                self.shipped(order, want, made["items"], then)

        @precondition(lambda self: any(o.fos for o in self.orders))
        @rule(data=st.data(), pack=st.sampled_from((False, False, True)),
              then=st.sampled_from(("", "deliver", "fail")))
        def work_fulfilment_order(self, data: st.DataObject, pack: bool, then: str) -> None:
            """The warehouse's way: pack (or unpack) a fulfilment order, or ship everything
            left on it (and maybe deliver it or fail to, at once)."""
            if pack:
                self.pack_or_unpack(data)
                return
            fos = [(o, fid) for o in self.orders for fid in o.fos]
            good = [(o, fid) for o, fid in fos if o.status == "open"
                    and o.fos[fid][1] in SHIP_FO_OPEN and o.fos[fid][2] > 0]
            order, fid = self.pick(data, fos, good)
            code, status, left = order.fos[fid]
            path = f"/fulfilment-orders/{fid}/shipments"
            body = {"carrier": "JNE", "tracking_number": self.tracking()}
            if order.status != "open" or status not in SHIP_FO_OPEN or not left:
                self.refused(path, body, 409, "invalid-transition")
                return
            want = {line: q for (line, c), q in order.held.items() if c == code}
            # Units left on it = what the order holds at its location (one live FO per place).
            assert sum(want.values()) == left, (order.fos, order.held)
            made = self.accepted(self.api.post(path, body), 201)
            self.shipped(order, want, [made], then)

        def pack_or_unpack(self, data: st.DataObject) -> None:
            fos = [(o, fid) for o in self.orders for fid in o.fos]
            good = [(o, fid) for o, fid in fos
                    if o.fos[fid][1] in ("open", "picking", "packed") and o.status == "open"]
            order, fid = self.pick(data, fos, good)
            status = order.fos[fid][1]
            step = "unpack" if status == "packed" else "pack"
            path = f"/fulfilment-orders/{fid}/{step}"
            if status not in ("open", "picking", "packed") or (
                    step == "pack" and order.status != "open"):
                self.refused(path, None, 409, "invalid-transition")
                return
            view = self.accepted(self.api.post(path))
            assert view["status"] == ("picking" if step == "unpack" else "packed"), view
            self.refresh(order)

        @precondition(lambda self: self.shipments)
        @rule(data=st.data(), fail=st.sampled_from((False, False, False, True)))
        def deliver(self, data: st.DataObject, fail: bool) -> None:
            s = self.pick(data, self.shipments,
                          [s for s in self.shipments if s.status != "delivered"])
            self.deliver_one(s, fail)

        def deliver_one(self, s: Shipment, fail: bool) -> None:
            path = f"/shipments/{s.id}/" + ("fail" if fail else "deliver")
            body = {"reason": "nobody home"} if fail else None
            if s.status == "delivered" or (fail and s.status == "failed"):
                self.refused(path, body, 409, "invalid-transition")
                return
            self.accepted(self.api.post(path, body))
            if fail:
                s.status = "failed"
            else:
                s.status = "delivered"
                for line_id, q in s.lines.items():
                    s.order.lines[line_id].delivered += q
            self.refresh(s.order)
            self.sync_status(s.order)

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            order = self.pick(data, self.orders, [o for o in self.orders if o.status == "open"
                                                  and not o.shipped and not o.invoiced])
            path = f"/orders/{order.id}/cancel"
            body = {"reason": "changed mind"}
            if order.shipped or order.invoiced or order.status != "open":
                self.refused(path, body, 409, "invalid-transition")
            elif self.blocked(order):
                self.refused(path, body, 409, "conflict")
            else:
                view = self.accepted(self.api.post(path, body))
                assert view["status"] == "cancelled", view
                order.status = "cancelled"
                order.held = {}
                self.refresh(order)

        @precondition(lambda self: self.live())
        @rule(data=st.data(), op=st.sampled_from(("set_quantity", "set_quantity",
                                                  "remove_line", "add_line")),
              sku=st.sampled_from((*SKUS * 3, "NOPE")), quantity=qty)
        def edit(self, data: st.DataObject, op: str, sku: str, quantity: int) -> None:
            """One change: set a quantity, remove or add a line.

            BUG (found by this rule, not fixed here; see the test at the end of the file): an
            edit of an order whose fulfilment order is `failed_delivery` with units left leaves
            that fulfilment order's old units live, so `learn` below and the audit's
            fulfilment_units check fail."""
            good = [o for o in self.orders
                    if o.status == "open" and o.unshipped and not self.blocked(o)]
            # Half the time an order already partly shipped, if any: the edits that matter.
            begun = [o for o in good if o.shipped]
            order = (data.draw(st.sampled_from(begun)) if begun and data.draw(st.booleans())
                     else self.pick(data, self.orders, good))
            line = data.draw(st.sampled_from(list(order.lines.values())))
            change: dict[str, Any] = {"op": op}
            new = {x.id: x.quantity for x in order.lines.values()}
            if op == "add_line":
                change.update(sku=sku, quantity=quantity)
            else:
                change["line_id"] = line.id
                if op == "set_quantity":
                    change["quantity"] = quantity
                new[line.id] = quantity if op == "set_quantity" else 0
            path = f"/orders/{order.id}/edits"
            body = {"changes": [change], "note": "buyer called"}
            fulfilled = order.unshipped == 0
            if order.status != "open" or fulfilled:
                self.refused(path, body, 409, "invalid-transition")
                return
            if op != "add_line" and line.quantity == 0:
                self.refused(path, body, 422, "validation-error")  # a removed line
                return
            if op != "add_line" and new[line.id] < line.shipped:
                self.refused(path, body, 409, "conflict")  # below what was shipped
                return
            if op == "remove_line" and not any(new.values()):
                self.refused(path, body, 422, "validation-error")  # no line left
                return
            if self.blocked(order):
                self.refused(path, body, 409, "conflict")  # packed / partly shipped
                return
            if op == "add_line" and sku == "NOPE":
                self.refused(path, body, 422, "validation-error")
                return
            need: dict[str, int] = {}
            for x in order.lines.values():
                need[x.sku] = need.get(x.sku, 0) + new[x.id] - x.shipped
            if op == "add_line":
                need[sku] = need.get(sku, 0) + quantity
            if any(n > self.available_sku(s) + order.holds(s) for s, n in need.items()):
                self.refused(path, body, 409, "insufficient-stock")
                return
            if any(st_ == "failed_delivery" and left for _, st_, left in order.fos.values()):
                event("edit after a failed delivery with units left")
            view = self.accepted(self.api.post(path, body))
            for x in order.lines.values():
                x.quantity = new[x.id]
            for x in view["lines"]:
                if x["id"] not in order.lines:
                    assert op == "add_line" and (x["sku"], x["quantity"]) == (sku, quantity)
                    order.lines[x["id"]] = Line(x["id"], x["sku"], x["quantity"])
            assert {x["id"]: (x["quantity"], x["quantity_shipped"]) for x in view["lines"]} \
                == {x.id: (x.quantity, x.shipped) for x in order.lines.values()}
            self.learn(order)

        @precondition(lambda self: any(x.delivered > x.returned for o in self.orders
                                       for x in o.lines.values()))
        @rule(data=st.data(), too_many=st.sampled_from((False, False, False, True)),
              disposition=st.sampled_from(("restock", "restock", "quarantine", "scrap")),
              code=loc_)
        def return_goods(self, data: st.DataObject, too_many: bool, disposition: str,
                         code: str) -> None:
            """Invoice what is not yet, request a return of one line, approve, receive."""
            delivered = [o for o in self.orders if any(x.delivered for x in o.lines.values())]
            order = self.pick(data, delivered, [o for o in delivered if any(
                x.delivered > x.returned for x in o.lines.values())])
            line = self.pick(data, list(order.lines.values()),
                             [x for x in order.lines.values() if x.delivered > x.returned])
            view = self.accepted(self.api.get(f"/orders/{order.id}"))
            if Decimal(view["total"]) > Decimal(view["amount_invoiced"]):
                self.accepted(self.api.post(f"/orders/{order.id}/invoices", {}), 201)
                order.invoiced = True
            left = line.delivered - line.returned
            quantity = left + 1 if too_many or not left else data.draw(
                st.integers(min_value=1, max_value=left))
            body = {"order_id": order.id, "lines": [
                {"order_line_id": line.id, "quantity": quantity, "reason": "too small"}]}
            if quantity > line.delivered - line.returned:
                self.refused("/returns", body, 422, "validation-error")  # more than delivered
                return
            rma = self.accepted(self.api.post("/returns", body), 201)
            self.accepted(self.api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
            got = self.accepted(self.api.post(f"/returns/{rma['id']}/receive", {
                "location_id": self.loc[code],
                "lines": [{"rma_line_id": rma["lines"][0]["id"],
                           "disposition": disposition}]}))
            assert got["status"] == "received", got
            line.returned += quantity
            if disposition == "restock":
                self.on_hand[(line.sku, code)] += quantity
            elif disposition == "quarantine":
                self.quarantined[(line.sku, code)] += quantity
            self.sync_status(order)

        # --- invariants --------------------------------------------------------------
        @invariant()
        def levels_match_the_model(self) -> None:
            items = self.accepted(self.api.get("/inventory", limit=250))["items"]
            seen = {(x["sku"], x["location_code"]): x for x in items}
            for x in items:
                assert x["available"] >= 0 and x["available"] == x["on_hand"] - x["reserved"], x
            for sku, code in self.on_hand:
                want = {
                    "on_hand": self.on_hand[(sku, code)],
                    "reserved": self.reserved(sku, code),
                    "quarantined": self.quarantined[(sku, code)],
                    "in_transit": sum(t.in_transit for t in self.transfers
                                      if (t.sku, t.to) == (sku, code)),
                    "incoming": sum(p.outstanding for p in self.pos
                                    if (p.sku, p.loc) == (sku, code)),
                }
                x = seen.get((sku, code))
                if x is None:  # no level row yet: the API lists no row (incoming included)
                    x = {}
                    want["incoming"] = 0
                have = {k: x.get(k, 0) for k in want}
                assert have == want, (sku, code, have, want)

        @invariant()
        def reservations_and_lines_match_the_model(self) -> None:
            with engine.connect() as conn:
                res = conn.execute(text(
                    "SELECT order_line_id, location_id, SUM(quantity) FROM reservation "
                    "WHERE status = 'open' GROUP BY order_line_id, location_id "
                    "HAVING SUM(quantity) <> 0")).all()
                lines = conn.execute(text(
                    "SELECT l.id, l.quantity, l.quantity_shipped, o.status "
                    "FROM order_line l JOIN sales_order o ON o.id = l.order_id")).all()
            assert {(r[0], self.code_of[r[1]]): int(r[2]) for r in res} == {
                k: q for o in self.orders for k, q in o.held.items() if q}
            status = {o.id: o.status for o in self.orders}
            assert {r[0]: (int(r[1]), int(r[2]), r[3]) for r in lines} == {
                x.id: (x.quantity, x.shipped, status[o.id])
                for o in self.orders for x in o.lines.values()}

        @invariant()
        def the_audit_is_clean(self) -> None:
            with checks.snapshot(engine) as conn:
                bad = {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok}
            assert bad == {}

    return OrderLifecycle


def test_random_order_lifecycles_keep_stock_right_and_the_audit_clean(
        backend: str, client: TestClient, container: Container) -> None:
    run_state_machine_as_test(machine_for(client, container), settings=RUN)


# --- BUG found by the machine above (issue 4), left failing for the lead to fix ---------------
# An edit withdraws only fulfilment orders that are open/picking (fulfillment.withdraw.
# withdraw_order) and refuses packed/partially_shipped ones; a fulfilment order in
# `failed_delivery` with units still to ship is neither, so it survives the edit with its old
# units while the edit releases and re-reserves the line: units on live fulfilment orders no
# longer equal the open reservations (`pesanan audit`: fulfilment_units breach), on SQLite and
# PostgreSQL alike. The state machine reaches it by: ship part of a line, fail that delivery,
# edit the order.

def test_an_edit_after_a_failed_partial_delivery_keeps_fulfilment_in_step(api: Api) -> None:
    api.product("TEE", price="10.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    order = api.order(api.customer()["id"], [("TEE", 4)])
    line = order["lines"][0]["id"]
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "DHL", "service": "parcel", "tracking_number": "T1",
        "lines": [{"order_line_id": line, "quantity": 2}]}), 201)["items"][0]
    api.ok(api.post(f"/shipments/{shipped['id']}/fail", {"reason": "nobody home"}))
    api.ok(api.post(f"/orders/{order['id']}/edits", {"changes": [
        {"op": "set_quantity", "line_id": line, "quantity": 3}]}))
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"]) == (8, 1)
    fos = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    live = [fo for fo in fos if fo["status"] != "cancelled"]
    # What is left to ship on live fulfilment orders is the 1 unit still reserved.
    assert sum(fo["units"] - fo["units_shipped"] for fo in live) == 1, live
    with checks.snapshot(api.container.engine) as conn:
        assert {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok} == {}
