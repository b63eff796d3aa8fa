"""Stock commands: adjust, reserve, release, ship out, receive in.

All quantities change through guarded UPDATEs in lock order (see locks.py); every change of on
hand appends a stock movement, so on_hand = SUM(movements) always (checked by `pesanan audit`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from pesanan.catalog import queries as catalog
from pesanan.core.clock import now
from pesanan.core.errors import (
    Conflict,
    FieldError,
    InsufficientStock,
    NotFound,
    Retry,
    ValidationFailed,
)
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor
from pesanan.db import pipeline
from pesanan.db.hot import Hot
from pesanan.db.rows import insert_rows
from pesanan.events.service import emit
from pesanan.inventory import locks
from pesanan.inventory.models import item_cost, location, reservation, stock_level, stock_movement
from pesanan.inventory.queries import location_view
from pesanan.inventory.schemas import LocationCreate, StockAdjustment
from pesanan.ledger import postings
from pesanan.ledger import service as ledger


def create_location(conn: Connection, cmd: LocationCreate) -> dict[str, Any]:
    duplicate = Conflict(f"location {cmd.code} already exists",
                         [FieldError("code", "duplicate", "location code must be unique")])
    if conn.execute(select(location.c.id).where(location.c.code == cmd.code)).first():
        raise duplicate
    row = {"id": new_id(), "code": cmd.code, "name": cmd.name, "kind": cmd.kind,
           "region": cmd.region, "country": cmd.country,
           "channels": ",".join(sorted(set(cmd.channels))) if cmd.channels else None,
           "created_at": now()}
    try:
        with conn.begin_nested():
            conn.execute(location.insert(), row)
    except IntegrityError:  # a concurrent create of the same code won the unique index
        raise duplicate from None
    emit(conn, "location.created", "location", str(row["id"]), location_view(row))
    return location_view(row)


def location_exists(conn: Connection, location_id: str) -> bool:
    return conn.execute(select(location.c.id).where(location.c.id == location_id)).first() \
        is not None


def unit_cost(conn: Connection, product_id: str) -> Decimal:
    """Moving-average cost from receipts; the product's standard cost until the first receipt."""
    avg = conn.execute(
        select(item_cost.c.average_cost).where(item_cost.c.product_id == product_id)
    ).scalar()
    if avg is not None:
        return Decimal(avg)
    return catalog.standard_cost(conn, product_id)


def ensure_level(conn: Connection, product_id: str, location_id: str) -> None:
    """A stock level row of zeros for (product, location) unless there is one already."""
    conn.execute(
        text("INSERT INTO stock_level (product_id, location_id, on_hand, reserved, updated_at) "
             "VALUES (:p, :l, 0, 0, :t) ON CONFLICT DO NOTHING"),
        {"p": product_id, "l": location_id, "t": now()},
    )


def record_movement(conn: Connection, product_id: str, location_id: str, qty: int, kind: str,
                    reason: str | None, ref_type: str | None, ref_id: str | None,
                    cost: Decimal | None) -> None:
    """Append the stock movement of a change of on hand (on_hand = SUM(movements))."""
    conn.execute(stock_movement.insert(), {
        "id": new_id(), "product_id": product_id, "location_id": location_id, "quantity": qty,
        "kind": kind, "reason": reason, "reference_type": ref_type, "reference_id": ref_id,
        "unit_cost": cost, "created_at": now(),
    })


def adjust_stock(conn: Connection, cmd: StockAdjustment) -> dict[str, Any]:
    prod = catalog.ref_by_sku(conn, cmd.sku)
    errors = []
    if prod is None:
        errors.append(FieldError("sku", "unknown_sku", f"no product with SKU {cmd.sku}"))
    if not location_exists(conn, cmd.location_id):
        errors.append(FieldError("location_id", "unknown_location", "no such location"))
    if cmd.quantity == 0:
        errors.append(FieldError("quantity", "zero", "an adjustment must change the quantity"))
    opening = cmd.reason_code == "opening"
    if opening and cmd.quantity < 0:
        errors.append(FieldError("quantity", "opening_negative",
                                 "an opening balance can only add stock"))
    if errors:
        raise ValidationFailed("The adjustment cannot be applied", errors)
    assert prod is not None
    product_id, currency = prod.id, prod.currency
    ensure_level(conn, product_id, cmd.location_id)
    # Guard: removing stock may never take on hand below what is reserved (available >= 0).
    done = conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == product_id,
               stock_level.c.location_id == cmd.location_id,
               stock_level.c.on_hand + cmd.quantity >= stock_level.c.reserved)
        .values(on_hand=stock_level.c.on_hand + cmd.quantity, updated_at=now())
        .returning(stock_level.c.on_hand, stock_level.c.reserved)
    ).first()
    if done is None:
        raise InsufficientStock(
            f"SKU {cmd.sku}: cannot remove {-cmd.quantity}, not that many unreserved units",
            [FieldError("quantity", "insufficient_stock", "more than available")],
        )
    cost = unit_cost(conn, product_id)
    record_movement(conn, product_id, cmd.location_id, cmd.quantity,
                    "opening" if opening else "adjustment", cmd.reason, None, None, cost)
    value = quantize_minor(cost * cmd.quantity, currency)
    # Opening balances are capital brought in (Cr 3000 equity), not an adjustment gain (5100).
    ledger.post(conn, currency=currency,
                memo=f"{'Opening stock' if opening else 'Stock adjustment'} {cmd.sku}: "
                     f"{cmd.reason}",
                source_type="stock_adjustment", source_id=product_id,
                lines=postings.opening_balance(value) if opening
                else postings.stock_adjusted(value))
    level = {"sku": cmd.sku, "product_id": product_id, "location_id": cmd.location_id,
             "on_hand": done.on_hand, "reserved": done.reserved,
             "available": done.on_hand - done.reserved}
    emit(conn, "stock.adjusted", "product", product_id,
         {**level, "quantity": cmd.quantity, "reason": cmd.reason})
    return level


# --- reservations (used by orders) ------------------------------------------------------------

_reserve_stmt = Hot(
    update(stock_level)
    .where(
        stock_level.c.product_id == bindparam("p"),
        stock_level.c.location_id == bindparam("l"),
        # Sourcing never plans into safety stock (issue 4); the guard holds that under races.
        stock_level.c.on_hand - stock_level.c.reserved - stock_level.c.safety_stock
        >= bindparam("q"),
    )
    .values(reserved=stock_level.c.reserved + bindparam("q"))
)


def reserve(conn: Connection, order_id: str, picks: list[tuple[str, str, int, str]]) -> None:
    """Reserve (product_id, location_id, quantity, order_line_id) picks, all or nothing.

    The plan was made from a read that may be stale; if any guard fails, another order took the
    stock first and the command is retried on fresh data (Retry)."""
    hold(conn, picks)
    record_reservations(conn, order_id, picks)


def hold(conn: Connection, picks: list[tuple[str, str, int, str]]) -> None:
    """`reserve`'s guarded stock updates alone: placement runs them before its order exists
    and records the reservations with the order's other rows (flows/place_order.py)."""
    merged: dict[tuple[str, str], int] = {}
    for p, loc, q, _ in picks:
        merged[(p, loc)] = merged.get((p, loc), 0) + q
    ordered = locks.in_lock_order((p, loc, q) for (p, loc), q in merged.items())
    params = [{"p": p, "l": loc, "q": q} for p, loc, q in ordered]

    def short() -> Retry:
        return Retry("stock changed while reserving")

    # Each guard must change its row; in a pipelined transaction that is checked before COMMIT.
    if len(params) > 1 and pipeline.current(conn) is not None:
        # PostgreSQL, placing an order: one statement for every row (db/merged.py says why a
        # statement counts); its CTE locks the rows in the same order as the statements would.
        _reserve_all(len(params)).send(
            conn, {f"{k}_{i}": v for i, row in enumerate(params) for k, v in row.items()},
            expect=len(params), refuse=short)
        return
    _reserve_stmt.sendmany(conn, params, expect=len(params), refuse=short)


@lru_cache(maxsize=32)
def _reserve_all(n: int) -> Hot:
    """`n` guarded reservations as one UPDATE (PostgreSQL). The rows are locked first, in
    `locks.in_lock_order` (the VALUES' order, product then location, as SELECT ... ORDER BY ...
    FOR UPDATE takes them), so two orders never wait on each other's rows crosswise; the guard
    is then checked on each row's latest version. Rows changed: `n` when every guard held."""
    values = ", ".join(f"(:p_{i}, :l_{i}, CAST(:q_{i} AS INTEGER), {i})" for i in range(n))
    sql = (
        f"WITH v (p, l, q, k) AS (VALUES {values}), "
        "locked AS (SELECT s.product_id, s.location_id FROM stock_level s "
        "JOIN v ON s.product_id = v.p AND s.location_id = v.l ORDER BY v.k FOR UPDATE OF s) "
        "UPDATE stock_level SET reserved = stock_level.reserved + v.q "
        "FROM v JOIN locked ON locked.product_id = v.p AND locked.location_id = v.l "
        "WHERE stock_level.product_id = v.p AND stock_level.location_id = v.l "
        "AND stock_level.on_hand - stock_level.reserved - stock_level.safety_stock >= v.q")
    return Hot(text(sql))


def record_reservations(conn: Connection, order_id: str,
                        picks: list[tuple[str, str, int, str]]) -> None:
    """The reservation rows of picks that `hold` has reserved."""
    ts = now()
    insert_rows(conn, reservation, [
        {"id": new_id(), "order_id": order_id, "order_line_id": line_id, "product_id": p,
         "location_id": loc, "quantity": q, "status": "open", "created_at": ts}
        for p, loc, q, line_id in picks
    ])


def release_for_order(conn: Connection, order_id: str) -> int:
    """Give back every open reservation of an order (cancel). Returns units released.

    The reservations are read without a lock, so each guarded UPDATE must change its row: a
    stock level that no longer holds the units, or a reservation consumed (shipped) since it
    was read, means a race was lost — Retry rolls the command back and re-runs it on fresh
    data (and a row that stays wrong ends, after the retries, in a 409, never in a reservation
    marked released whose units were not given back)."""
    rows = conn.execute(
        select(reservation.c.id, reservation.c.product_id, reservation.c.location_id,
               reservation.c.quantity)
        .where(reservation.c.order_id == order_id, reservation.c.status == "open")
    ).all()
    total = 0
    for r in locks.by_level(rows):
        done = conn.execute(
            update(stock_level)
            .where(stock_level.c.product_id == r.product_id,
                   stock_level.c.location_id == r.location_id,
                   stock_level.c.reserved >= r.quantity)
            .values(reserved=stock_level.c.reserved - r.quantity, updated_at=now())
        )
        if done.rowcount != 1:
            raise Retry(f"stock level {r.product_id}@{r.location_id} does not hold "
                        f"reservation {r.id}")
        total += r.quantity
    if rows:
        done = conn.execute(
            update(reservation)
            # Unchanged since read: still open, with the quantity given back above.
            .where(tuple_(reservation.c.id, reservation.c.quantity)
                   .in_([(r.id, r.quantity) for r in rows]), reservation.c.status == "open")
            .values(status="released", quantity=0)
        )
        if done.rowcount != len(rows):
            raise Retry(f"a reservation of order {order_id} changed while it was released")
    return total


def open_reservations(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        select(reservation).where(reservation.c.order_id == order_id,
                                  reservation.c.status == "open").order_by(reservation.c.id)
    ).mappings()]


def open_reserved_units(conn: Connection, order_id: str) -> list[tuple[str, str, str, int]]:
    """The order's open reservations summed per (location, order line, product): what the
    fulfilment release puts on fulfilment orders."""
    return [(r[0], r[1], r[2], int(r[3])) for r in conn.execute(
        select(reservation.c.location_id, reservation.c.order_line_id, reservation.c.product_id,
               func.sum(reservation.c.quantity))
        .where(reservation.c.order_id == order_id, reservation.c.status == "open")
        .group_by(reservation.c.location_id, reservation.c.order_line_id,
                  reservation.c.product_id)
    ).all()]


def ship_out(conn: Connection, *, order_id: str, order_line_id: str, location_id: str,
             quantity: int, shipment_id: str) -> Decimal:
    """Stock leaves: on hand and reserved both drop by `quantity` at `location_id`, consuming the
    line's open reservations there (a line can hold several at one location: one made at
    placement, more when a receipt fills its backorder), oldest first. Returns the unit cost
    (moving average) used for COGS."""
    rows = conn.execute(
        select(reservation.c.id, reservation.c.product_id, reservation.c.quantity)
        .where(reservation.c.order_line_id == order_line_id,
               reservation.c.location_id == location_id, reservation.c.status == "open")
        .order_by(reservation.c.id)
    ).all()
    held = sum(r.quantity for r in rows)
    if not rows or held < quantity:
        raise Conflict(
            f"only {held} unit(s) of this line are reserved at that location",
            [FieldError("quantity", "exceeds_reserved", "more than reserved at the location")],
        )
    res = rows[0]
    done = conn.execute(
        update(stock_level)
        .where(and_(stock_level.c.product_id == res.product_id,
                    stock_level.c.location_id == location_id,
                    stock_level.c.reserved >= quantity, stock_level.c.on_hand >= quantity))
        .values(on_hand=stock_level.c.on_hand - quantity,
                reserved=stock_level.c.reserved - quantity, updated_at=now())
    )
    if done.rowcount != 1:
        raise Conflict("stock level does not hold the reservation (run pesanan audit)")
    need = quantity
    for r in rows:
        take = min(need, r.quantity)
        if take == 0:
            break
        left = r.quantity - take
        conn.execute(update(reservation).where(reservation.c.id == r.id).values(
            quantity=left, status="open" if left else "consumed"))
        need -= take
    cost = unit_cost(conn, res.product_id)
    record_movement(conn, res.product_id, location_id, -quantity, "shipment", None, "shipment",
                    shipment_id, cost)
    return cost


_start_cost = text(
    "INSERT INTO item_cost (product_id, average_cost, currency, updated_at) "
    "VALUES (:p, :c, :cur, :t) ON CONFLICT DO NOTHING"
).bindparams(bindparam("c", type_=item_cost.c.average_cost.type))


def receive(conn: Connection, *, product_id: str, location_id: str, quantity: int,
            unit_cost_: Decimal, currency: str, ref_type: str, ref_id: str,
            kind: str = "receipt") -> None:
    """Stock arrives (a PO receipt, or kind="return": a customer return restocked at the cost
    it shipped at): on hand rises and the moving-average cost is re-weighted over all
    locations' on hand before the arrival."""
    if quantity <= 0:
        raise ValueError("receive a positive quantity")
    # Lock the product's cost row first so concurrent receipts re-weight one after the other;
    # the first receipt starts it at the catalogue's standard cost.
    standard, product_currency = catalog.cost_basis(conn, product_id)
    conn.execute(_start_cost, {"p": product_id, "c": standard, "cur": product_currency,
                               "t": now()})
    old = locks.average_cost(conn, product_id)
    # Units still owned but not on hand for sale (quarantined, in transit between locations)
    # carry the same average cost, so they weigh in too.
    total_before = conn.execute(
        text("SELECT COALESCE((SELECT SUM(on_hand) FROM stock_level WHERE product_id = :p), 0)"
             " + COALESCE((SELECT SUM(quantity) FROM quarantine_level WHERE product_id = :p), 0)"
             " + COALESCE((SELECT SUM(quantity_shipped - quantity_received)"
             " FROM stock_transfer_line WHERE product_id = :p), 0)"),
        {"p": product_id},
    ).scalar_one()
    base = max(int(total_before), 0)
    new_avg = ((old * base + unit_cost_ * quantity) / (base + quantity)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP)
    ensure_level(conn, product_id, location_id)
    conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == product_id, stock_level.c.location_id == location_id)
        .values(on_hand=stock_level.c.on_hand + quantity, updated_at=now())
    )
    record_movement(conn, product_id, location_id, quantity, kind, None, ref_type, ref_id,
                    unit_cost_)
    conn.execute(update(item_cost).where(item_cost.c.product_id == product_id)
                 .values(average_cost=new_avg, updated_at=now()))


def require_location(conn: Connection, location_id: str, field: str = "location_id") -> None:
    if not location_exists(conn, location_id):
        raise NotFound(f"location {location_id} not found",
                       [FieldError(field, "unknown_location", "no such location")])
