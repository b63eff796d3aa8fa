"""Shipment commands: ship an order (all of it or some lines), mark a shipment delivered.

Shipping locks the order row first (so two shipments of one order run one after the other and
each sees what the other shipped), then stock rows in the global lock order (inventory.locks).
Stock leaves from where it was reserved; when the reserved units sit in several locations the
request becomes one shipment per location — a parcel leaves from one building — and all of them
are returned. Each shipment posts its cost of goods sold at the moving-average unit cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import InvalidTransition
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor
from pesanan.db.sequences import next_number
from pesanan.events.service import emit
from pesanan.fulfillment import planning
from pesanan.fulfillment.models import shipment, shipment_line
from pesanan.fulfillment.queries import (
    all_delivered,
    get_shipment,
    shipment_number,
    shipment_row,
    shipment_view,
)
from pesanan.fulfillment.schemas import CreateShipment
from pesanan.inventory import service as inventory
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import queries as orders_q
from pesanan.orders import service as orders
from pesanan.orders.status import OrderStatus


def ship_order(conn: Connection, order_id: str, cmd: CreateShipment, actor: Actor
               ) -> dict[str, Any]:
    """Ship the requested lines (absent: everything unshipped). Returns {"items": shipments}."""
    order = orders.lock_order(conn, order_id)
    if order["status"] != OrderStatus.OPEN:
        # on_hold too: a hold exists to stop goods leaving until someone releases it.
        raise InvalidTransition(f"a {order['status']} order cannot be shipped")
    lines = orders_q.order_lines(conn, order_id)
    units = planning.units_to_ship(
        [planning.OrderLine(x["id"], x["sku"], x["quantity"], x["quantity_shipped"])
         for x in lines],
        None if cmd.lines is None else
        [planning.Wanted(w.order_line_id, w.sku, w.quantity) for w in cmd.lines],
    )
    held = [planning.Held(r["order_line_id"], r["location_id"], r["quantity"])
            for r in inventory.open_reservations(conn, order_id)]
    picks = planning.picks_by_location(units, held)
    by_line = {x["id"]: x for x in lines}
    shipments = _open_shipments(conn, order_id, picks, cmd)
    shipped_lines = _take_stock(conn, order_id, picks, shipments, by_line)
    views = []
    for s in shipments.values():
        mine = [x for x in shipped_lines if x["shipment_id"] == s["id"]]
        views.append(_book(conn, order, s, mine, by_line, actor))
    # After the shipments, so the timeline reads "shipped SH-…" then the status it led to.
    orders.record_shipped(conn, order, units, actor)
    return {"items": views}


def _open_shipments(conn: Connection, order_id: str, picks: list[planning.Pick],
                    cmd: CreateShipment) -> dict[str, dict[str, Any]]:
    """One shipment row per location, numbered in location order. Inserted before stock moves
    because the stock movements reference them."""
    ts = now()
    rows: dict[str, dict[str, Any]] = {}
    for loc in sorted({p.location_id for p in picks}):
        rows[loc] = {
            "id": new_id(), "number": next_number(conn, "shipment_number"), "order_id": order_id,
            "location_id": loc, "carrier": cmd.carrier, "service": cmd.service,
            "tracking_number": cmd.tracking_number, "status": "shipped", "shipped_at": ts,
            "delivered_at": None,
        }
    conn.execute(shipment.insert(), list(rows.values()))
    return rows


def _take_stock(conn: Connection, order_id: str, picks: list[planning.Pick],
                shipments: dict[str, dict[str, Any]], by_line: dict[str, dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Move the stock out and return the shipment lines with their unit costs."""
    # Stock rows are locked in (product, location) order across every shipment of the request,
    # the same global order place_order and cancel use, so they cannot deadlock each other.
    ordered = sorted(picks, key=lambda p: (by_line[p.order_line_id]["product_id"], p.location_id,
                                           p.order_line_id))
    out = []
    for p in ordered:
        sid = shipments[p.location_id]["id"]
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
    """shipped -> delivered; completes the order when this was the last piece missing."""
    s = shipment_row(conn, shipment_id)
    # The order is locked before the shipment changes, the same order ship_order uses, and so
    # that try_complete decides on an order row nobody else is changing (e.g. a payment).
    order = orders.lock_order(conn, s["order_id"])
    done = conn.execute(
        update(shipment)
        .where(shipment.c.id == shipment_id, shipment.c.status == "shipped")
        .values(status="delivered", delivered_at=now())
    )
    if done.rowcount != 1:
        raise InvalidTransition(
            f"shipment {shipment_number(s['number'])} is already delivered")
    view = get_shipment(conn, shipment_id)
    orders.note_event(conn, order["id"], "shipment.delivered",
                      f"Delivered {view['number']} ({view['carrier']}, tracking "
                      f"{view['tracking_number']})", actor)
    emit(conn, "shipment.delivered", "shipment", shipment_id, view)
    orders.try_complete(conn, order, all_delivered(conn, order["id"]), actor)
    return view
