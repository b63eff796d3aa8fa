"""A seeded simulation of trading days, driving the same service functions the API calls.

Every command runs in its own transaction, as it would over HTTP. The agenda below says what
each order needs next and on which simulated day (ship tomorrow, deliver in two days, a bank
transfer arriving in five). Whatever is still on the agenda after the last day stays in flight,
as in a live shop: some orders unshipped, some invoices unpaid, some purchase orders on their way.

Dated days (`start`, as `pesanan demo` runs it): day 1 is that date in the shop's zone, day 2
the next, and every command is recorded at a time of its day (core.clock.set_to; stored UTC):
the morning's back office (goods, parcels and money arriving, yesterday's orders shipped) from
08:00, the day's orders at times drawn from the shop's hours (busiest at lunch and in the
evening, data.HOUR_WEIGHTS), each order's follow-ups a minute or two after it, replenishment
at closing; nothing after 22:00 nor after `until` (the last day may be today, so far). Without
`start` every day happens now, as the tests that need "today's" orders have it.

How customers pay (by their payment preference): card at checkout; bank transfer the day after
the invoice; cash/COD on delivery; b2b on invoice, a few days after shipping, sometimes in two
halves. A POS sale is paid and handed over at the counter when the store holds the goods.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from pesanan.billing import service as billing
from pesanan.billing.schemas import IssueInvoice, PaymentMethod, RecordPayment
from pesanan.core import clock
from pesanan.core.actor import Actor
from pesanan.core.errors import InsufficientStock
from pesanan.core.money import MINOR_UNITS
from pesanan.demo import data
from pesanan.demo import returns as demo_returns
from pesanan.demo.shop import Customer, Shop
from pesanan.flows import cancel as cancel_flow
from pesanan.flows import edit as edit_flow
from pesanan.flows import holds as hold_flow
from pesanan.flows import place_order as place_flow
from pesanan.flows import receiving, shipping
from pesanan.fulfillment import service as fulfillment
from pesanan.fulfillment.schemas import CreateShipment
from pesanan.inventory import service as inventory
from pesanan.orders.schemas import (
    CancelOrder,
    EditOrder,
    OrderLineIn,
    PlaceOrder,
    ReleaseHold,
    SetQuantity,
    ShippingAddress,
)
from pesanan.purchasing import service as purchasing
from pesanan.purchasing.schemas import ReceiptLineIn, ReceivePurchaseOrder

DEMO = Actor(id="demo", name="demo", role="admin")
CHANNELS = ("web", "pos", "phone")
# Phases of a day, in the order they run: goods arrive, parcels arrive, money arrives, goods
# leave. New orders come after them, replenish closes the day.
RECEIVE, DELIVER, PAY, SHIP = range(4)
Task = Callable[[Connection], None]
EDIT_SHARE = 0.15  # of b2c phone orders: the customer rings back to change the quantity
Service = Literal["parcel", "LTL"]


@dataclass
class Tally:
    """What this run did (the database holds the totals across runs)."""

    orders: Counter[str] = field(default_factory=Counter)  # by channel
    lost_sales: int = 0  # orders refused for insufficient stock
    cancelled: int = 0
    held: int = 0
    edits: int = 0
    invoices: int = 0
    payments: int = 0
    shipments: int = 0
    deliveries: int = 0
    returns: int = 0
    purchase_orders: int = 0
    receipts: int = 0


def first_day(days: int, zone: tzinfo, at: datetime) -> date:
    """The first of `days` dated days whose last is today in `zone` (as far as `at`), or
    yesterday when less than two hours of today's trade have passed by `at`."""
    here = at.astimezone(zone)
    last = here.date()
    if here < datetime.combine(last, time(data.OPENS + 2), tzinfo=zone):
        last -= timedelta(days=1)
    return last - timedelta(days=max(1, days) - 1)


class Simulation:
    def __init__(self, engine: Engine, shop: Shop, rng: random.Random, orders_per_day: int,
                 *, start: date | None = None, zone: tzinfo | None = None,
                 until: datetime | None = None) -> None:
        self.engine = engine
        self.shop = shop
        self.rng = rng
        self.orders_per_day = orders_per_day
        self.day = 0
        self.tally = Tally()
        self._agenda: dict[int, list[tuple[int, int, Task]]] = defaultdict(list)
        self._planned = itertools.count()  # keeps one phase's tasks in the order planned
        self._then: deque[Task] = deque()
        self._owed: dict[str, str] = {}  # order id -> amount the courier collects on delivery
        self._released: list[tuple[str, str, Customer]] = []  # follow up once the day's tasks ran
        # Dated days: the shop's zone, the day's clock (None: undated, everything happens now).
        self.start = start
        self.zone = zone or ZoneInfo(data.TIME_ZONE)
        self.until = until or clock.now()
        self._times = random.Random(rng.getrandbits(64)) if start is not None else None
        self._at: datetime | None = None
        self._opens: datetime | None = None
        self._closes: datetime | None = None

    def run_day(self) -> None:
        self.day += 1
        self._open_day()
        for _, _, task in sorted(self._agenda.pop(self.day, []), key=lambda t: t[:2]):
            self._run(task)
        while self._released:
            self._follow_up(*self._released.pop(0))
        n = self._orders_today()
        placed = self._order_times(n)
        for i in range(n):
            self._wait_until(placed[i])
            self._capture(i)
        self._wait_until(self._closing())
        self._run(self._replenish)

    # --- the day's clock (dated days only) ------------------------------------------------

    def _open_day(self) -> None:
        if self.start is None or self._times is None:
            return
        d = self.start + timedelta(days=self.day - 1)
        opens = datetime.combine(d, time(data.OPENS), tzinfo=self.zone)
        closes = datetime.combine(d, time(data.CLOSES), tzinfo=self.zone)
        self._closes = max(opens + timedelta(minutes=1),
                           min(closes, self.until.astimezone(self.zone)))
        self._opens = opens
        self._at = opens + timedelta(seconds=self._times.randint(0, 900))

    def _order_times(self, n: int) -> Sequence[datetime | None]:
        """When the day's orders come in: an hour by the shop's weights, any second of it."""
        if self._times is None or self._opens is None or self._closes is None:
            return [None] * n
        opens = self._opens
        hours = [h for h in range(data.OPENS, data.CLOSES)
                 if opens + timedelta(hours=h - data.OPENS) < self._closes]
        weights = [data.HOUR_WEIGHTS[h - data.OPENS] for h in hours]
        out: list[datetime] = []
        for h in self._times.choices(hours, weights, k=n):
            start = opens + timedelta(hours=h - data.OPENS)
            span = (min(start + timedelta(hours=1), self._closes) - start).total_seconds()
            out.append(start + timedelta(seconds=self._times.uniform(0, span)))
        return list(sorted(out))

    def _closing(self) -> datetime | None:
        """Replenishment: the last thing of the day, some minutes before closing."""
        if self._times is None or self._closes is None:
            return None
        return self._closes - timedelta(minutes=self._times.randint(5, 25))

    def _wait_until(self, at: datetime | None) -> None:
        if at is not None and self._at is not None and at > self._at:
            self._at = at

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One command's transaction, recorded at the day's clock (dated days), which then moves
        on by the minute or two the next command takes; never past closing."""
        if self._at is None or self._closes is None or self._times is None:
            with self.engine.begin() as conn:
                yield conn
            return
        at = min(self._at, self._closes - timedelta(seconds=1))
        with clock.set_to(at), self.engine.begin() as conn:
            yield conn
        self._at = at + timedelta(seconds=self._times.randint(20, 150))

    # --- plumbing ------------------------------------------------------------------------

    def _run(self, task: Task) -> None:
        """One command, one transaction; then the follow-ups it asked for, each in its own."""
        self._then.append(task)
        while self._then:
            with self._transaction() as conn:
                self._then.popleft()(conn)

    def _later(self, days: int, phase: int, task: Task) -> None:
        self._agenda[self.day + days].append((phase, next(self._planned), task))

    def _orders_today(self) -> int:
        n = round(self.rng.gauss(self.orders_per_day, self.orders_per_day / 4))
        # At least one order per channel (when asked for that many), so every day shows all.
        return max(min(len(CHANNELS), self.orders_per_day), n)

    # --- capture -------------------------------------------------------------------------

    def _capture(self, i: int) -> None:
        # The day opens with one order per channel; after that web sells most.
        channel = CHANNELS[i] if i < len(CHANNELS) else self.rng.choices(CHANNELS, (5, 3, 2))[0]
        cust = self._customer(channel)
        cmd = self._order(channel, cust)
        try:
            with self._transaction() as conn:
                order = place_flow.place_order(conn, cmd, DEMO)
        except InsufficientStock:
            self.tally.lost_sales += 1  # normal trade: the customer goes elsewhere
            return
        self.tally.orders[channel] += 1
        if order["status"] == "on_hold":  # a person looks at it tomorrow, then it goes on
            self.tally.held += 1
            self._later(1, PAY, partial(self._release, order_id=order["id"], channel=channel,
                                        cust=cust))
            return
        if channel == "phone" and cust.kind == "b2c" and self.rng.random() < EDIT_SHARE:
            self._edit(order)
        self._follow_up(order["id"], channel, cust)

    def _release(self, conn: Connection, order_id: str, channel: str, cust: Customer) -> None:
        hold_flow.release_hold(conn, order_id, ReleaseHold(note="checked with the buyer"), DEMO)
        self._released.append((order_id, channel, cust))

    def _edit(self, order: dict[str, Any]) -> None:
        """The customer rings back before it ships: one more of the first item."""
        line = order["lines"][0]
        if self._at is not None and self._times is not None:
            self._at += timedelta(minutes=self._times.randint(5, 40))  # rings back a bit later
        try:
            with self._transaction() as conn:
                edit_flow.edit_order(conn, order["id"], EditOrder(
                    expected_version=order["version"], note="customer rang back",
                    changes=[SetQuantity(op="set_quantity", line_id=line["id"],
                                         quantity=line["quantity"] + 1)]), DEMO)
        except InsufficientStock:
            return  # none left: the order stays as placed
        self.tally.edits += 1

    def _customer(self, channel: str) -> Customer:
        b2b = [c for c in self.shop.customers if c.kind == "b2b"]
        b2c = [c for c in self.shop.customers if c.kind != "b2b"] or b2b
        business_share = {"web": 0.15, "pos": 0.0, "phone": 0.4}[channel]
        return self.rng.choice(b2b if b2b and self.rng.random() < business_share else b2c)

    def _order(self, channel: str, cust: Customer) -> PlaceOrder:
        skus = self.rng.sample(self.shop.skus, min(len(self.shop.skus),
                                                   self.rng.choice((1, 1, 2, 2, 3))))
        lines = [OrderLineIn(sku=s, quantity=self._quantity(cust)) for s in skus]
        fields: dict[str, Any] = {}
        if channel in ("pos", "phone"):
            where = "store" if channel == "pos" else "warehouse"
            fields = {"keyed_by": self.rng.choice(data.STAFF[channel]),
                      "keyed_at_location_id": self.shop.location(where)}
        if channel != "pos":
            fields["shipping_address"] = ShippingAddress(
                name=cust.name, line1=f"Jl. Diponegoro No. {self.rng.randint(1, 300)}",
                city=self.rng.choice(data.CITIES), country="ID")
        return PlaceOrder(channel=channel, customer_id=cust.id, lines=lines, **fields)

    def _quantity(self, cust: Customer) -> int:
        if cust.kind == "b2b":
            # Now and then a very large order: more than the shop holds is a lost sale.
            return self.rng.randint(30, 80) if self.rng.random() < 0.1 else self.rng.randint(4, 12)
        return self.rng.choices((1, 2, 3), (6, 3, 1))[0]

    def _follow_up(self, order_id: str, channel: str, cust: Customer) -> None:
        if channel == "pos":
            method: PaymentMethod = "cash" if cust.payment_preference == "cash" else "card"
            self._run(lambda c: self._invoice(c, order_id, self._pay_now(order_id, method)))
            self._run(lambda c: self._ship(c, order_id, cust, "counter"))
            return
        mode = {"bank_transfer": "transfer", "cod": "cod", "cash": "cod",
                "invoice": "terms"}.get(cust.payment_preference, "card")
        if mode == "card":
            self._run(lambda c: self._invoice(c, order_id, self._pay_now(order_id, "card")))
        elif mode == "transfer":
            self._run(lambda c: self._invoice(c, order_id, self._pay_later(order_id, 1)))
        elif self.rng.random() < 0.05:
            # Nothing invoiced or paid yet: now and then the customer calls it off.
            self._run(lambda c: self._cancel(c, order_id))
            return
        self._later(1, SHIP, lambda c: self._ship(c, order_id, cust, mode))

    def _cancel(self, conn: Connection, order_id: str) -> None:
        cancel_flow.cancel_order(conn, order_id, CancelOrder(reason="customer called it off"), DEMO)
        self.tally.cancelled += 1

    # --- billing -------------------------------------------------------------------------

    def _invoice(self, conn: Connection, order_id: str, then: Callable[[str], None]) -> None:
        """Invoice everything on the order; `then` plans the payment of its total."""
        total = billing.issue_invoice(conn, order_id, IssueInvoice(), DEMO)["total"]
        self.tally.invoices += 1
        then(total)

    def _pay(self, conn: Connection, order_id: str, amount: str, method: PaymentMethod
             ) -> None:
        billing.record_payment(conn, order_id, RecordPayment(
            amount=amount, method=method,
            reference=f"DEMO-{self.rng.randrange(10**8):08d}"), DEMO)
        self.tally.payments += 1

    def _pay_now(self, order_id: str, method: PaymentMethod) -> Callable[[str], None]:
        return lambda amount: self._then.append(lambda c: self._pay(c, order_id, amount, method))

    def _pay_later(self, order_id: str, days: int) -> Callable[[str], None]:
        return lambda amount: self._later(
            days, PAY, lambda c: self._pay(c, order_id, amount, "bank_transfer"))

    def _pay_on_terms(self, order_id: str) -> Callable[[str], None]:
        """A business pays by transfer a few days on, now and then in two halves."""
        def plan(amount: str) -> None:
            days = self.rng.randint(3, 6)
            if self.rng.random() < 0.3:
                first = _half(amount, self.shop.currency)
                rest = str(Decimal(amount) - Decimal(first))
                self._pay_later(order_id, days)(first)
                self._pay_later(order_id, days + 3)(rest)
            else:
                self._pay_later(order_id, days)(amount)
        return plan

    def _collect_on_delivery(self, order_id: str) -> Callable[[str], None]:
        def owe(amount: str) -> None:
            self._owed[order_id] = amount
        return owe

    # --- fulfilment ----------------------------------------------------------------------

    def _ship(self, conn: Connection, order_id: str, cust: Customer, mode: str) -> None:
        held = {r["location_id"] for r in inventory.open_reservations(conn, order_id)}
        if mode == "counter" and held != {self.shop.locations.get("store")}:
            # The store could not fill it: it goes out as a parcel tomorrow (already paid).
            self._later(1, SHIP, lambda c: self._ship(c, order_id, cust, "prepaid"))
            return
        service, days = self._carrier_service(mode, cust, held)
        # A carrier the shop has (demo/shop.py creates them): its tracking link on the shipment.
        carrier = (data.carriers_for("counter")[0] if mode == "counter"
                   else self.rng.choice(data.carriers_for(service))).code
        shipped = shipping.ship_order(conn, order_id, CreateShipment(
            carrier=carrier, service=service,
            tracking_number=f"{carrier[:3].upper()}{self.rng.randrange(10**10):010d}"),
            DEMO)["items"]
        self.tally.shipments += len(shipped)
        for k, shipment in enumerate(shipped):
            collect = mode == "cod" and k == 0
            # Paid by card at checkout: the customer may send something back (demo/returns.py).
            returnable = mode == "card" and k == 0 and self.rng.random() < demo_returns.SHARE
            task = self._deliver_task(shipment, order_id, collect, returnable)
            if days == 0:
                self._then.append(task)
            else:
                self._later(days, DELIVER, task)
        if mode == "cod":
            self._then.append(lambda c: self._invoice(c, order_id,
                                                      self._collect_on_delivery(order_id)))
        elif mode == "terms":
            self._then.append(lambda c: self._invoice(c, order_id, self._pay_on_terms(order_id)))

    def _carrier_service(self, mode: str, cust: Customer, held: set[str]
                         ) -> tuple[Service, int]:
        """(service, days in transit): handed over at the counter, a truck for a business, else
        a parcel."""
        if mode == "counter":
            return "parcel", 0
        if cust.kind == "b2b":
            return "LTL", 2
        return "parcel", self.rng.randint(1, 2)

    def _deliver_task(self, shipment: dict[str, Any], order_id: str, collect: bool,
                      returnable: bool = False) -> Task:
        def deliver(conn: Connection) -> None:
            fulfillment.deliver_shipment(conn, shipment["id"], DEMO)
            self.tally.deliveries += 1
            if collect:  # the courier collects the cash and pays it in
                amount = self._owed.pop(order_id)
                self._then.append(lambda c: self._pay(c, order_id, amount, "cod"))
            if returnable:
                self._later(self.rng.randint(1, 3), PAY, partial(self._return, shipment=shipment))
        return deliver

    def _return(self, conn: Connection, shipment: dict[str, Any]) -> None:
        rma = demo_returns.request(conn, shipment, self.rng, DEMO)
        self.tally.returns += 1

        def arrive(c: Connection) -> None:
            demo_returns.receive(c, rma, shipment["location_id"], DEMO)
            self._then.append(lambda c2: demo_returns.refund(c2, rma["id"], DEMO))
        self._later(2, RECEIVE, arrive)

    # --- purchasing ----------------------------------------------------------------------

    def _replenish(self, conn: Connection) -> None:
        for po in purchasing.replenish(conn, DEMO)["items"]:
            self.tally.purchase_orders += 1
            self._then.append(partial(self._send_to_supplier, po=po))

    def _send_to_supplier(self, conn: Connection, po: dict[str, Any]) -> None:
        purchasing.submit_purchase_order(conn, po["id"], DEMO)
        lead = _days_between(po["created_at"], po["expected_at"] or po["created_at"])
        lines = po["lines"]
        if len(lines) > 1 and self.rng.random() < 0.2:
            # A short delivery: the first line arrives on time, the rest a day late.
            first = ReceiptLineIn(purchase_order_line_id=lines[0]["id"],
                                  quantity=lines[0]["quantity"])
            self._later(lead, RECEIVE, self._receive_task(po["id"], [first]))
            self._later(lead + 1, RECEIVE, self._receive_task(po["id"], []))
        else:
            self._later(lead, RECEIVE, self._receive_task(po["id"], []))

    def _receive_task(self, po_id: str, lines: list[ReceiptLineIn]) -> Task:
        def receive(conn: Connection) -> None:
            receiving.receive_purchase_order(conn, po_id, ReceivePurchaseOrder(lines=lines),
                                              DEMO)
            self.tally.receipts += 1
        return receive


def _half(amount: str, currency: str) -> str:
    step = Decimal(1).scaleb(-MINOR_UNITS[currency])
    return str((Decimal(amount) / 2).quantize(step, rounding=ROUND_DOWN))


def _days_between(start: str, end: str) -> int:
    """Whole days (at least one) from one RFC 3339 time to another."""
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return max(1, round(seconds / 86_400))
