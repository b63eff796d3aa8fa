"""Quarantine: units held apart at a location, neither on hand for sale nor available.

Moves: shelf -> quarantine (`quarantine_stock`), straight in from outside (`quarantine_in`, e.g.
a returned item awaiting inspection), quarantine -> shelf (`release_quarantine`) and
quarantine -> scrap (`scrap_quarantine`, an inventory write-off). Every change appends a
`quarantine_movement`, so quarantined = SUM(journal) (audited); a move to or from the shelf also
appends the matching `stock_movement`, so on_hand = SUM(movements) still holds.

Each command answers (and announces) the level it leaves, read by `level_of`: inventory's own
figures unless the caller passes the read of a floor above (every entrypoint passes
purchasing/levels.level, which adds the units incoming on purchase orders that inventory cannot
see), so the answer matches the levels list.

Lock order: the stock_level row first, then the quarantine_level row of the same (product,
location) — every command here takes them in that order, so they cannot deadlock each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, text, update

from pesanan.catalog.queries import ProductRef
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, InsufficientStock, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor
from pesanan.db.paging import page
from pesanan.events.service import emit
from pesanan.inventory import queries
from pesanan.inventory import service as stock
from pesanan.inventory.lookup import products_by_sku, unknown_location, unknown_sku
from pesanan.inventory.models import quarantine_level, quarantine_movement, stock_level
from pesanan.inventory.schemas import QuarantineMove
from pesanan.ledger import postings
from pesanan.ledger import service as ledger

# (conn, product_id, location_id) -> the level as the levels list shows it.
LevelRead = Callable[[Connection, str, str], dict[str, Any]]


def _ensure_quarantine(conn: Connection, product_id: str, location_id: str) -> None:
    conn.execute(
        text("INSERT INTO quarantine_level (product_id, location_id, quantity, updated_at) "
             "VALUES (:p, :l, 0, :t) ON CONFLICT DO NOTHING"),
        {"p": product_id, "l": location_id, "t": now()},
    )


def _change_quarantine(conn: Connection, product_id: str, location_id: str, qty: int,
                       kind: str, reason: str, ref_type: str | None, ref_id: str | None
                       ) -> bool:
    """Add `qty` (negative takes out) to the quarantine, guarded so it never goes below zero,
    and journal it. False when there are not that many units in quarantine."""
    _ensure_quarantine(conn, product_id, location_id)
    done = conn.execute(
        update(quarantine_level)
        .where(quarantine_level.c.product_id == product_id,
               quarantine_level.c.location_id == location_id,
               quarantine_level.c.quantity + qty >= 0)
        .values(quantity=quarantine_level.c.quantity + qty, updated_at=now())
    )
    if done.rowcount != 1:
        return False
    conn.execute(quarantine_movement.insert(), {
        "id": new_id(), "product_id": product_id, "location_id": location_id, "quantity": qty,
        "kind": kind, "reason": reason, "reference_type": ref_type, "reference_id": ref_id,
        "created_at": now(),
    })
    return True


def _resolve(conn: Connection, cmd: QuarantineMove) -> ProductRef:
    prod = products_by_sku(conn, [cmd.sku]).get(cmd.sku)
    errors = []
    if prod is None:
        errors.append(unknown_sku("sku", cmd.sku))
    if not stock.location_exists(conn, cmd.location_id):
        errors.append(unknown_location("location_id"))
    if errors or prod is None:
        raise ValidationFailed("The quarantine move cannot be applied", errors)
    return prod


def _short(what: str, qty: int, sku: str) -> InsufficientStock:
    return InsufficientStock(f"SKU {sku}: cannot move {qty}, {what}",
                             [FieldError("quantity", "insufficient_stock", what)])


def _done(conn: Connection, event: str, prod: ProductRef, location_id: str, qty: int,
          reason: str, level_of: LevelRead) -> dict[str, Any]:
    level = level_of(conn, prod.id, location_id)
    emit(conn, event, "product", prod.id, {**level, "quantity": qty, "reason": reason})
    return level


def quarantine_in(conn: Connection, product_id: str, location_id: str, qty: int, reason: str,
                  reference_type: str | None, reference_id: str | None,
                  level_of: LevelRead = queries.level) -> dict[str, Any]:
    """Units arriving straight into quarantine (a return awaiting inspection). No ledger entry
    here: the caller owns the financial side of the arrival (a return reverses COGS into
    inventory at the cost it chooses)."""
    if qty <= 0:
        raise ValidationFailed("quarantine a positive quantity",
                               [FieldError("quantity", "not_positive", "must be at least 1")])
    if not stock.location_exists(conn, location_id):
        raise ValidationFailed("no such location", [unknown_location("location_id")])
    # A level row, so the levels list shows the SKU at this location with its quarantine.
    stock.ensure_level(conn, product_id, location_id)
    _change_quarantine(conn, product_id, location_id, qty, "return", reason, reference_type,
                       reference_id)
    level = level_of(conn, product_id, location_id)
    emit(conn, "stock.quarantined", "product", product_id,
         {**level, "quantity": qty, "reason": reason, "reference_type": reference_type,
          "reference_id": reference_id})
    return level


def quarantine_stock(conn: Connection, cmd: QuarantineMove,
                     level_of: LevelRead = queries.level) -> dict[str, Any]:
    """Damaged units found on the shelf: on hand down (never below reserved), quarantine up."""
    prod = _resolve(conn, cmd)
    stock.ensure_level(conn, prod.id, cmd.location_id)
    done = conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == prod.id, stock_level.c.location_id == cmd.location_id,
               stock_level.c.on_hand - stock_level.c.reserved >= cmd.quantity)
        .values(on_hand=stock_level.c.on_hand - cmd.quantity, updated_at=now())
    )
    if done.rowcount != 1:
        raise _short("not that many unreserved units on hand", cmd.quantity, cmd.sku)
    cost = stock.unit_cost(conn, prod.id)
    stock.record_movement(conn, prod.id, cmd.location_id, -cmd.quantity, "quarantine",
                          cmd.reason, None, None, cost)
    _change_quarantine(conn, prod.id, cmd.location_id, cmd.quantity, "in", cmd.reason,
                       None, None)
    return _done(conn, "stock.quarantined", prod, cmd.location_id, cmd.quantity, cmd.reason,
                 level_of)


def release_quarantine(conn: Connection, cmd: QuarantineMove,
                       level_of: LevelRead = queries.level) -> dict[str, Any]:
    """Inspected and fine: quarantine down, sellable on hand up."""
    prod = _resolve(conn, cmd)
    stock.ensure_level(conn, prod.id, cmd.location_id)
    # Lock order: touch stock_level before quarantine_level (see module docstring).
    conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == prod.id, stock_level.c.location_id == cmd.location_id)
        .values(on_hand=stock_level.c.on_hand + cmd.quantity, updated_at=now())
    )
    if not _change_quarantine(conn, prod.id, cmd.location_id, -cmd.quantity, "release",
                              cmd.reason, None, None):
        raise _short("not that many units in quarantine", cmd.quantity, cmd.sku)
    stock.record_movement(conn, prod.id, cmd.location_id, cmd.quantity, "release", cmd.reason,
                          None, None, stock.unit_cost(conn, prod.id))
    return _done(conn, "stock.released", prod, cmd.location_id, cmd.quantity, cmd.reason,
                 level_of)


def scrap_quarantine(conn: Connection, cmd: QuarantineMove,
                     level_of: LevelRead = queries.level) -> dict[str, Any]:
    """Beyond saving: quarantine down and the value written off (Dr 5100 / Cr 1200 at the
    moving-average cost, as a negative adjustment posts)."""
    prod = _resolve(conn, cmd)
    stock.ensure_level(conn, prod.id, cmd.location_id)
    if not _change_quarantine(conn, prod.id, cmd.location_id, -cmd.quantity, "scrap",
                              cmd.reason, None, None):
        raise _short("not that many units in quarantine", cmd.quantity, cmd.sku)
    value = quantize_minor(stock.unit_cost(conn, prod.id) * cmd.quantity, prod.currency)
    ledger.post(conn, currency=prod.currency, memo=f"Scrapped {cmd.sku}: {cmd.reason}",
                source_type="stock_scrap", source_id=prod.id,
                lines=postings.stock_adjusted(-value))
    return _done(conn, "stock.scrapped", prod, cmd.location_id, cmd.quantity, cmd.reason,
                 level_of)


def quarantine_movements(conn: Connection, *, product_id: str | None = None,
                         location_id: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> dict[str, Any]:
    stmt = select(quarantine_movement)
    if product_id:
        stmt = stmt.where(quarantine_movement.c.product_id == product_id)
    if location_id:
        stmt = stmt.where(quarantine_movement.c.location_id == location_id)
    rows, nxt = page(conn, stmt, quarantine_movement.c.id, limit, cursor)
    return {"items": [{**dict(r), "created_at": rfc3339(r["created_at"])} for r in rows],
            "next_cursor": nxt}
