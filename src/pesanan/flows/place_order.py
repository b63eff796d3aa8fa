"""Place an order: price → source → reserve → backorder → hold check → release to fulfilment.

The hot path: a fixed, small number of statements per order (one read of products with their
stock, one of the customer, a number, the guarded reservations, and one multi-row insert per
table) — see bench/place_orders.py for the figures. Each step is the owning domain's function;
this module only puts them in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db import pipeline
from pesanan.events.service import emit
from pesanan.flows import release as fulfilment
from pesanan.flows.availability import plan_from_catalog, read_catalog_and_stock, ship_to_of
from pesanan.inventory import backorders
from pesanan.inventory import service as inventory
from pesanan.orders import holds
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.pricing import require_storable
from pesanan.orders.queries import order_view
from pesanan.orders.schemas import PlaceOrder


def place_order(conn: Connection, cmd: PlaceOrder, actor: Actor) -> dict[str, Any]:
    # PostgreSQL: the read (which takes the order's number), then every write as one statement,
    # checked before COMMIT (db/pipeline.py, db/merged.py): five round trips an order with the
    # idempotency claim, BEGIN and COMMIT.
    pipeline.open(conn)
    catalog = read_catalog_and_stock(conn, sorted({line.sku for line in cmd.lines}),
                                     take_number=True)
    currency = orders.check_lines(conn, cmd, catalog)
    order_id = new_id()
    ts = now()
    lines, sums = orders.price_lines(
        order_id, [(catalog[line.sku], line.quantity) for line in cmd.lines], currency)
    # A POS sale takes goods from the store it is rung up in when that store has them.
    preferred = cmd.keyed_at_location_id if cmd.channel == "pos" else None
    # Sourcing (inventory/allocation.py): eligible locations, safety stock, fewest shipments,
    # nearest to the ship-to; a shortfall is backordered when the SKU's policy allows.
    plan = plan_from_catalog(catalog, lines, channel=cmd.channel,
                             ship_to=ship_to_of(orders.order_address(cmd)),
                             preferred_location_id=preferred)
    require_storable(sums.total)
    # Hold rules (orders/holds.py): no statement unless a rule needs the customer's facts.
    held = holds.check_at_placement(conn, customer_id=cmd.customer_id, currency=currency,
                                     total=sums.total, shipping_address=orders.order_address(cmd),
                                     rules_version=catalog.rules_version)
    status = st.OrderStatus.ON_HOLD if held else st.OrderStatus.OPEN
    # The guarded stock updates first; then the order, its lines, the reservations (which
    # reference them), the timeline and the event: on PostgreSQL those INSERTs become one
    # statement (db/merged.py), sent with the updates in one round trip (db/pipeline.py).
    if plan.picks:
        inventory.hold(conn, plan.picks)
    order = orders.insert_order(conn, cmd, order_id=order_id, currency=currency, sums=sums,
                                status=status, placed_at=ts, lines=lines,
                                number=catalog.order_number)
    if plan.picks:
        inventory.record_reservations(conn, order_id, plan.picks)
    if plan.backorders:
        backorders.record(conn, order_id, plan.backorders)
    view = order_view(order, lines)
    orders.note_event(conn, order_id, "order.placed",
                      f"Order placed via {cmd.channel} ({len(lines)} lines, {view['total']} "
                      f"{currency})", actor, to_status=status, field="status")
    if plan.split or plan.backorders:  # an ordinary order (one location, no backorder) skips
        orders.note_sourcing(conn, order_id, plan.reasons, actor)
    emit(conn, "order.placed", "order", order_id, view)
    if held:  # reserved, but not released to fulfilment until someone reviews it
        holds.hold_at_placement(conn, order_id, held, actor)
    else:
        # The picks just reserved are handed over, so nothing is read back: one statement on
        # PostgreSQL for an ordinary order (flows/release.py).
        fulfilment.release_order(conn, order_id, actor, picks=plan.picks)
    return view
