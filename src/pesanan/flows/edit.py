"""Edit an order after placement and before shipment: lock → give back everything not shipped
(fulfilment orders, reservations, backorders) → re-plan from the stock that frees → write the
lines → reserve → record the revision → release to fulfilment again.

All or nothing: the order row is locked first (ship, invoice, pay and cancel lock it too, so
they run before or after an edit, never during). If the new quantities cannot be reserved the
command raises, the transaction rolls back and nothing changed. Two stock passes (release, then
reserve) each lock rows in the global order; a deadlock with another command is detected by
PostgreSQL and the command re-run (db/tx.py). What an edit may change, and how it is priced
and recorded, is orders/edits.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.core.errors import InsufficientStock
from pesanan.flows import release as fulfilment
from pesanan.flows.availability import (
    CatalogItem,
    plan_from_catalog,
    read_catalog_and_stock,
    ship_to_of,
)
from pesanan.fulfillment import withdraw
from pesanan.inventory import backorders
from pesanan.inventory import service as inventory
from pesanan.orders import edits, locks
from pesanan.orders import status as st
from pesanan.orders.queries import get_order, order_lines
from pesanan.orders.schemas import EditOrder


def edit_order(conn: Connection, order_id: str, cmd: EditOrder, actor: Actor) -> dict[str, Any]:
    order = locks.order_row(conn, order_id)
    edits.check_editable(order, cmd)
    lines = order_lines(conn, order_id)
    plan = edits.read_changes(lines, cmd)
    # Give back everything not shipped; the new plan starts from the stock that frees.
    withdraw.withdraw_order(conn, order_id, actor, "order edited")
    inventory.release_for_order(conn, order_id)
    backorders.cancel_for_order(conn, order_id)
    skus = {x["sku"] for x in lines if plan.quantities[x["id"]] > 0}
    skus |= {a.sku for _, a in plan.adds}
    catalog = read_catalog_and_stock(conn, sorted(skus))
    added = edits.added_lines(order, lines, plan.adds, catalog)
    log = edits.change_log(plan, added)
    live = edits.write_lines(conn, order, lines, plan.quantities, added)
    address = plan.address if plan.address is not None else order["shipping_address"]
    _reserve(conn, order, live, catalog, address, plan)
    revision = edits.record(conn, order, live, address, log, cmd, actor)
    if order["status"] == st.OrderStatus.OPEN:
        fulfilment.release_order(conn, order_id, actor)
    return {**get_order(conn, order_id), "revision": revision}


def _reserve(conn: Connection, order: dict[str, Any], live: list[dict[str, Any]],
             catalog: dict[str, CatalogItem], address: dict[str, Any] | None,
             plan: edits.EditPlan) -> None:
    """Plan what is left to ship of every line and reserve it (or backorder it, if the SKU's
    policy allows); InsufficientStock names the change that asked for too much."""
    todo = edits.left_to_ship(live)
    preferred = order["keyed_at_location_id"] if order["channel"] == "pos" else None
    try:
        sourced = plan_from_catalog(catalog, todo, channel=order["channel"],
                                    ship_to=ship_to_of(address),
                                    preferred_location_id=preferred)
    except InsufficientStock as e:
        raise InsufficientStock(e.detail, edits.change_errors(e.errors, live, todo, plan)
                                ) from None
    if sourced.picks:
        inventory.reserve(conn, order["id"], sourced.picks)
    if sourced.backorders:
        backorders.record(conn, order["id"], sourced.backorders)
