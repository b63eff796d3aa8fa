"""Apply a verified 3PL callback: shipments it sent, deliveries it saw — exactly once per
event id (see fulfillment/tpl.py for the signature check and the protocol)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from pesanan.core.clock import now
from pesanan.core.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.fulfillment import service
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.models import fulfilment_order, shipment, tpl_callback
from pesanan.fulfillment.schemas import FailDelivery, TplCallback
from pesanan.fulfillment.tpl import tpl_actor
from pesanan.orders import locks as order_locks


def _claim_event(conn: Connection, location_id: str, event_id: str) -> bool:
    """Insert the event's row; False when it is already there. The unique key makes a
    concurrent replay wait for the first transaction and then find its row."""
    ins = (postgresql.insert(tpl_callback) if conn.dialect.name == "postgresql"
           else sqlite.insert(tpl_callback))
    got = conn.execute(
        ins.values(id=new_id(), location_id=location_id, event_id=event_id, result="{}",
                   received_at=now())
        .on_conflict_do_nothing(index_elements=["location_id", "event_id"])
        .returning(tpl_callback.c.id)
    ).first()
    return got is not None


def handle_callback(conn: Connection, loc: dict[str, Any], cmd: TplCallback
                    ) -> tuple[dict[str, Any], bool]:
    """(result, replayed). A replay answers the first result and changes nothing."""
    if not _claim_event(conn, loc["id"], cmd.event_id):
        stored = conn.execute(select(tpl_callback.c.result).where(
            tpl_callback.c.location_id == loc["id"], tpl_callback.c.event_id == cmd.event_id)
        ).scalar_one()
        return orjson.loads(stored), True
    result = _apply(conn, loc, cmd)
    conn.execute(tpl_callback.update()
                 .where(tpl_callback.c.location_id == loc["id"],
                        tpl_callback.c.event_id == cmd.event_id)
                 .values(result=orjson.dumps(result).decode()))
    return result, False


def _apply(conn: Connection, loc: dict[str, Any], cmd: TplCallback) -> dict[str, Any]:
    actor = tpl_actor(loc["code"])
    order_id = conn.execute(
        select(fulfilment_order.c.order_id).where(
            fulfilment_order.c.id == cmd.fulfilment_order_id,
            fulfilment_order.c.location_id == loc["id"])).scalar()
    if order_id is None:  # another location's fulfilment order is not this 3PL's business
        raise NotFound(f"fulfilment order {cmd.fulfilment_order_id} not found",
                       [FieldError("fulfilment_order_id", "unknown", "not at this location")])
    order = order_locks.order_row(conn, order_id)
    shipped: list[dict[str, Any]] = []
    for i, s in enumerate(cmd.shipments):
        fo = _fo(conn, cmd.fulfilment_order_id)
        service.require_shippable(order)
        if not fst.can_ship(fo["status"]):
            raise InvalidTransition(
                f"a {fo['status']} fulfilment order cannot be shipped")
        parcel = service.parcel_of(conn, s.carrier, s.service, s.tracking_number)
        try:
            views = service.ship_from(conn, order, fo, s.lines, parcel, actor)
        except ValidationFailed as e:  # name the shipment the error belongs to
            raise ValidationFailed(e.detail, [FieldError(f"shipments[{i}].{x.field}", x.code,
                                                         x.message) for x in e.errors]) from None
        shipped += [{"id": v["id"], "number": v["number"], "tracking_url": v["tracking_url"]}
                    for v in views]
    delivered = []
    for i, d in enumerate(cmd.deliveries):
        sid = conn.execute(select(shipment.c.id).where(
            shipment.c.fulfilment_order_id == cmd.fulfilment_order_id,
            shipment.c.tracking_number == d.tracking_number)
            .order_by(shipment.c.id.desc())).scalars().first()
        if sid is None:
            raise ValidationFailed("no such shipment", [FieldError(
                f"deliveries[{i}].tracking_number", "unknown_shipment",
                f"no shipment with tracking {d.tracking_number} on this fulfilment order")])
        if d.status == "delivered":
            view = service.deliver_shipment(conn, sid, actor)
        else:
            view = service.fail_delivery(conn, sid, FailDelivery(
                reason=d.reason or "reported by the 3PL"), actor)
        delivered.append({"id": sid, "number": view["number"], "status": view["status"]})
    return {"event_id": cmd.event_id, "fulfilment_order_id": cmd.fulfilment_order_id,
            "shipments": shipped, "deliveries": delivered}


def _fo(conn: Connection, fo_id: str) -> dict[str, Any]:
    return dict(conn.execute(select(fulfilment_order).where(fulfilment_order.c.id == fo_id)
                             ).mappings().one())

