"""Shipment commands: ship a (released) order's lines, ship one fulfilment order, mark a
shipment delivered or its delivery failed.

Shipping an order releases what is not on a fulfilment order yet first, so the command is a
flow (flows/shipping.py) that ends in `ship_released` here.

Every shipment leaves under a fulfilment order (flows/release.py made them at release):
stock leaves from the location the fulfilment order belongs to, where it was reserved. Shipping
by order draws the requested units from the order's live fulfilment orders, so units reserved
in several locations become one shipment per fulfilment order — a parcel leaves from one
building — and all of them are returned.

Locks: the order row first (so two shipments of one order, and a cancel or an edit, run one
after the other and each sees what the other did), then stock rows in the global lock order
(inventory.locks). Each shipment posts its cost of goods sold at the moving-average unit cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import InvalidTransition, NotFound
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor
from pesanan.db.sequences import next_number
from pesanan.events.service import emit
from pesanan.fulfillment import carriers, planning
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.models import (
    fulfilment_order,
    fulfilment_order_line,
    shipment,
    shipment_line,
)
from pesanan.fulfillment.queries import (
    all_delivered,
    get_shipment,
    shipment_number,
    shipment_row,
    shipment_view,
)
from pesanan.fulfillment.schemas import CreateShipment, FailDelivery, ShipFulfilmentOrder
from pesanan.inventory import locks as stock_locks
from pesanan.inventory import service as inventory
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import locks as order_locks
from pesanan.orders import queries as orders_q
from pesanan.orders import service as orders
from pesanan.orders.status import OrderStatus


@dataclass(frozen=True, slots=True)
class Parcel:
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str | None


@dataclass(frozen=True, slots=True)
class Leg:
    """Units of one order line leaving under one fulfilment order."""

    fulfilment_order_id: str
    location_id: str
    order_line_id: str
    quantity: int


def require_shippable(order: dict[str, Any]) -> None:
    if order["status"] != OrderStatus.OPEN:
        # on_hold too: a hold exists to stop goods leaving until someone releases it.
        raise InvalidTransition(f"a {order['status']} order cannot be shipped")


def parcel_of(conn: Connection, carrier: str, service: str, tracking: str) -> Parcel:
    known = carriers.find(conn, carrier)
    url = carriers.tracking_url(known["tracking_url_template"], tracking) if known else None
    return Parcel(carrier, service, tracking, url)


def ship_released(conn: Connection, order: dict[str, Any], cmd: CreateShipment, actor: Actor
                  ) -> dict[str, Any]:
    """Ship the requested lines (absent: everything unshipped) of a locked, shippable order
    from its fulfilment orders. Returns {"items": shipments}."""
    order_id = order["id"]
    lines = orders_q.order_lines(conn, order_id)
    units = planning.units_to_ship(
        [planning.OrderLine(x["id"], x["sku"], x["quantity"], x["quantity_shipped"])
         for x in lines],
        None if cmd.lines is None else
        [planning.Wanted(w.order_line_id, w.sku, w.quantity) for w in cmd.lines],
    )
    live = _live_lines(conn, order_id)
    where = {r["fulfilment_order_id"]: r["location_id"] for r in live}
    # The planner draws units from "places"; here a place is a fulfilment order.
    picks = planning.picks_by_location(units, [
        planning.Held(r["order_line_id"], r["fulfilment_order_id"], r["remaining"])
        for r in live])
    legs = [Leg(p.location_id, where[p.location_id], p.order_line_id, p.quantity)
            for p in picks]
    parcel = parcel_of(conn, cmd.carrier, cmd.service, cmd.tracking_number)
    return {"items": ship_legs(conn, order, lines, legs, parcel, actor)}


def _live_lines(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """Unshipped units per (fulfilment order, order line) on fulfilment orders that may ship."""
    rows = conn.execute(
        select(fulfilment_order.c.id, fulfilment_order.c.location_id, fulfilment_order.c.status,
               fulfilment_order_line.c.order_line_id,
               (fulfilment_order_line.c.quantity - fulfilment_order_line.c.quantity_shipped))
        .join(fulfilment_order_line,
              fulfilment_order_line.c.fulfilment_order_id == fulfilment_order.c.id)
        .where(fulfilment_order.c.order_id == order_id)
        .order_by(fulfilment_order.c.seq)
    ).all()
    return [{"fulfilment_order_id": r[0], "location_id": r[1], "order_line_id": r[3],
             "remaining": int(r[4])} for r in rows if fst.can_ship(r[2]) and r[4] > 0]


def ship_fulfilment_order(conn: Connection, fo_id: str, cmd: ShipFulfilmentOrder,
                          actor: Actor) -> dict[str, Any]:
    """Ship (some of) one fulfilment order as one shipment; the carrier must be known."""
    order = order_locks.order_row(conn, _order_of(conn, fo_id))
    require_shippable(order)
    fo = _fo(conn, fo_id)
    if not fst.can_ship(fo["status"]):
        raise InvalidTransition(f"a {fo['status']} fulfilment order cannot be shipped")
    known = carriers.require(conn, cmd.carrier)
    parcel = Parcel(known["code"], cmd.service, cmd.tracking_number,
                    carriers.tracking_url(known["tracking_url_template"], cmd.tracking_number))
    [view] = ship_from(conn, order, fo, cmd.lines, parcel, actor)
    return view


def ship_from(conn: Connection, order: dict[str, Any], fo: dict[str, Any],
              wanted: Sequence[Any] | None, parcel: Parcel, actor: Actor) -> list[dict[str, Any]]:
    """Ship `wanted` lines (absent: all) of a fulfilment order whose order is locked."""
    fol = conn.execute(select(fulfilment_order_line)
                       .where(fulfilment_order_line.c.fulfilment_order_id == fo["id"])
                       ).mappings().all()
    lines = orders_q.order_lines(conn, order["id"])
    by_line = {x["id"]: x for x in lines}
    mine = sorted(fol, key=lambda r: by_line[r["order_line_id"]]["line_no"])
    units = planning.units_to_ship(
        [planning.OrderLine(r["order_line_id"], by_line[r["order_line_id"]]["sku"],
                            r["quantity"], r["quantity_shipped"]) for r in mine],
        None if wanted is None else
        [planning.Wanted(w.order_line_id, w.sku, w.quantity) for w in wanted])
    legs = [Leg(fo["id"], fo["location_id"], line_id, q) for line_id, q in units.items()]
    return ship_legs(conn, order, lines, legs, parcel, actor)


def _order_of(conn: Connection, fo_id: str) -> str:
    order_id = conn.execute(select(fulfilment_order.c.order_id)
                            .where(fulfilment_order.c.id == fo_id)).scalar()
    if order_id is None:
        raise NotFound(f"fulfilment order {fo_id} not found")
    return str(order_id)


def _fo(conn: Connection, fo_id: str) -> dict[str, Any]:
    row = conn.execute(select(fulfilment_order).where(fulfilment_order.c.id == fo_id)
                       ).mappings().first()
    if row is None:
        raise NotFound(f"fulfilment order {fo_id} not found")
    return dict(row)


def ship_legs(conn: Connection, order: dict[str, Any], lines: list[dict[str, Any]],
              legs: list[Leg], parcel: Parcel, actor: Actor) -> list[dict[str, Any]]:
    """One shipment per fulfilment order in `legs`: stock out, fulfilment order lines and
    statuses, cost of goods sold, timeline, events, then the order's shipped units."""
    by_line = {x["id"]: x for x in lines}
    shipments = _open_shipments(conn, order["id"], legs, parcel)
    shipped_lines = _take_stock(conn, order["id"], legs, shipments, by_line)
    _mark_fulfilment_lines(conn, legs)
    refresh_statuses(conn, sorted(shipments))
    views = []
    for s in sorted(shipments.values(), key=lambda x: x["number"]):
        mine = [x for x in shipped_lines if x["shipment_id"] == s["id"]]
        views.append(_book(conn, order, s, mine, by_line, actor))
    units: dict[str, int] = {}
    for leg in legs:
        units[leg.order_line_id] = units.get(leg.order_line_id, 0) + leg.quantity
    # After the shipments, so the timeline reads "shipped SH-…" then the status it led to.
    orders.record_shipped(conn, order, units, actor)
    return views


def _open_shipments(conn: Connection, order_id: str, legs: list[Leg], parcel: Parcel
                    ) -> dict[str, dict[str, Any]]:
    """One shipment row per fulfilment order, numbered in (location, fulfilment order)
    order. Inserted before stock moves because the stock movements reference them."""
    ts = now()
    rows: dict[str, dict[str, Any]] = {}
    for loc, fo_id in sorted({(x.location_id, x.fulfilment_order_id) for x in legs}):
        rows[fo_id] = {
            "id": new_id(), "number": next_number(conn, "shipment_number"), "order_id": order_id,
            "location_id": loc, "carrier": parcel.carrier, "service": parcel.service,
            "tracking_number": parcel.tracking_number, "status": fst.SHIPMENT_SHIPPED,
            "shipped_at": ts, "delivered_at": None, "fulfilment_order_id": fo_id,
            "tracking_url": parcel.tracking_url, "failed_at": None, "failure_reason": None,
        }
    conn.execute(shipment.insert(), list(rows.values()))
    return rows


def _take_stock(conn: Connection, order_id: str, legs: list[Leg],
                shipments: dict[str, dict[str, Any]], by_line: dict[str, dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Move the stock out and return the shipment lines with their unit costs."""
    # Stock rows are locked in (product, location) order across every shipment of the request,
    # the same global order place_order and cancel use, so they cannot deadlock each other.
    ordered = stock_locks.in_stock_order(
        legs, lambda p: str(by_line[p.order_line_id]["product_id"]), lambda p: p.location_id,
        then=lambda p: p.order_line_id)
    out = []
    for p in ordered:
        sid = shipments[p.fulfilment_order_id]["id"]
        cost = inventory.ship_out(conn, order_id=order_id, order_line_id=p.order_line_id,
                                  location_id=p.location_id, quantity=p.quantity,
                                  shipment_id=sid)
        out.append({"shipment_id": sid, "order_line_id": p.order_line_id,
                    "product_id": by_line[p.order_line_id]["product_id"],
                    "quantity": p.quantity, "unit_cost": cost})
    # Ids (time-ordered) are given in order-line order, so a shipment's lines read that way
    # whatever order the stock was taken in.
    out.sort(key=lambda x: (x["shipment_id"], by_line[x["order_line_id"]]["line_no"]))
    for x in out:
        x["id"] = new_id()
    conn.execute(shipment_line.insert(), out)
    return out


_ship_line = (
    update(fulfilment_order_line)
    .where(fulfilment_order_line.c.fulfilment_order_id == bindparam("fo_"),
           fulfilment_order_line.c.order_line_id == bindparam("line_"),
           fulfilment_order_line.c.quantity_shipped + bindparam("q_")
           <= fulfilment_order_line.c.quantity)
    .values(
        quantity_shipped=fulfilment_order_line.c.quantity_shipped + bindparam("q_"),
        # Whatever left was picked, whether or not anyone recorded the picking.
        quantity_picked=case(
            (fulfilment_order_line.c.quantity_picked
             < fulfilment_order_line.c.quantity_shipped + bindparam("q_"),
             fulfilment_order_line.c.quantity_shipped + bindparam("q_")),
            else_=fulfilment_order_line.c.quantity_picked))
)


def _mark_fulfilment_lines(conn: Connection, legs: list[Leg]) -> None:
    params = [{"fo_": x.fulfilment_order_id, "line_": x.order_line_id, "q_": x.quantity}
              for x in legs]
    done = conn.execute(_ship_line, params)
    if done.rowcount != len(params):
        raise InvalidTransition("cannot ship more than is on the fulfilment order")


def refresh_statuses(conn: Connection, fo_ids: list[str]) -> None:
    """Set each fulfilment order's status to what its units and shipments imply."""
    if not fo_ids:
        return
    units = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
        select(fulfilment_order_line.c.fulfilment_order_id,
               func.sum(fulfilment_order_line.c.quantity),
               func.sum(fulfilment_order_line.c.quantity_shipped))
        .where(fulfilment_order_line.c.fulfilment_order_id.in_(fo_ids))
        .group_by(fulfilment_order_line.c.fulfilment_order_id))}
    statuses: dict[str, list[str]] = {fo: [] for fo in fo_ids}
    for fo, st in conn.execute(select(shipment.c.fulfilment_order_id, shipment.c.status)
                               .where(shipment.c.fulfilment_order_id.in_(fo_ids))):
        statuses[fo].append(st)
    current = dict(conn.execute(select(fulfilment_order.c.id, fulfilment_order.c.status)
                                .where(fulfilment_order.c.id.in_(fo_ids))).all())
    ts = now()
    for fo in fo_ids:
        quantity, shipped = units.get(fo, (0, 0))
        target = fst.after_shipments(current[fo], quantity, shipped, statuses[fo])
        if target != current[fo]:
            conn.execute(update(fulfilment_order)
                         .where(fulfilment_order.c.id == fo)
                         .values(status=target.value, updated_at=ts))


def _book(conn: Connection, order: dict[str, Any], s: dict[str, Any],
          lines: list[dict[str, Any]], by_line: dict[str, dict[str, Any]], actor: Actor
          ) -> dict[str, Any]:
    """Post the shipment's cost of goods sold, write the timeline and the event."""
    currency = order["currency"]
    # Round once per shipment, not per line: the entry then equals the exact cost of the units
    # that left, to the nearest minor unit.
    cost = quantize_minor(sum((x["unit_cost"] * x["quantity"] for x in lines), Decimal(0)),
                          currency)
    number = shipment_number(s["number"])
    ledger.post(conn, currency=currency,
                memo=f"Cost of goods sold, {number} for {orders_q.order_number(order['number'])}",
                source_type="shipment", source_id=s["id"], lines=postings.goods_shipped(cost),
                order_id=order["id"])
    units = sum(x["quantity"] for x in lines)
    orders.note_event(conn, order["id"], "shipment.shipped",
                      f"Shipped {number}: {units} unit(s) via {s['carrier']} {s['service']}, "
                      f"tracking {s['tracking_number']}", actor)
    view = shipment_view(s, lines, by_line)
    emit(conn, "shipment.shipped", "shipment", s["id"], view)
    return view


def deliver_shipment(conn: Connection, shipment_id: str, actor: Actor) -> dict[str, Any]:
    """shipped (or failed: a redelivery worked) -> delivered; completes the order when this
    was the last piece missing."""
    order, view = _settle(
        conn, shipment_id, actor, "shipment.delivered",
        came_from=(fst.SHIPMENT_SHIPPED, fst.SHIPMENT_FAILED), to=fst.SHIPMENT_DELIVERED,
        stamp="delivered_at", refusal=lambda s: "already delivered",
        note=lambda v: (f"Delivered {v['number']} ({v['carrier']}, tracking "
                        f"{v['tracking_number']})"))
    orders.try_complete(conn, order, all_delivered(conn, order["id"]), actor)
    return view


def fail_delivery(conn: Connection, shipment_id: str, cmd: FailDelivery, actor: Actor
                  ) -> dict[str, Any]:
    """shipped -> failed. Stock is not put back (the goods are not on a shelf; a return or an
    adjustment does that when they arrive); the order cannot complete until it is delivered."""
    _, view = _settle(
        conn, shipment_id, actor, "shipment.delivery_failed",
        came_from=(fst.SHIPMENT_SHIPPED,), to=fst.SHIPMENT_FAILED, stamp="failed_at",
        values={"failure_reason": cmd.reason},
        refusal=lambda s: f"{s['status']}, not on its way",
        note=lambda v: f"Delivery of {v['number']} failed: {cmd.reason}")
    return view


def _settle(conn: Connection, shipment_id: str, actor: Actor, kind: str, *,
            came_from: tuple[str, ...], to: str, stamp: str,
            refusal: Callable[[dict[str, Any]], str], note: Callable[[dict[str, Any]], str],
            values: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move a shipment on (delivered or failed) as a compare-and-set from `came_from`, stamped
    now in its `stamp` column; then its fulfilment order's status, the timeline (`note` of the
    shipment's view) and the `kind` event. Returns (the locked order, the shipment's view).
    `refusal` says what the shipment is when it may not move: "shipment SH-… is <that>"."""
    s = shipment_row(conn, shipment_id)
    # The order is locked before the shipment changes, the same order ship_order uses, and so
    # that try_complete decides on an order row nobody else is changing (e.g. a payment).
    order = order_locks.order_row(conn, s["order_id"])
    done = conn.execute(
        update(shipment)
        .where(shipment.c.id == shipment_id, shipment.c.status.in_(came_from))
        .values(status=to, **{stamp: now()}, **(values or {})))
    if done.rowcount != 1:
        raise InvalidTransition(f"shipment {shipment_number(s['number'])} is {refusal(s)}")
    if s["fulfilment_order_id"]:
        refresh_statuses(conn, [s["fulfilment_order_id"]])
    view = get_shipment(conn, shipment_id)
    orders.note_event(conn, order["id"], kind, note(view), actor)
    emit(conn, kind, "shipment", shipment_id, view)
    return order, view
