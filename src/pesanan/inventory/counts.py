"""Cycle counts: record counted quantities for SKUs at one location, then post the differences
as adjustments (reason "cycle count"), each with its stock movement and ledger entry.

The difference is taken against on hand *when posting* (counted - on hand then), so stock that
moved between counting and posting is not double-counted: the count states what is on the
shelf. A count below what is reserved is refused (see counting.below_reserved); the whole post
is then rolled back, so a count posts completely or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.core.clock import now
from pesanan.core.errors import (
    FieldError,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    Retry,
    ValidationFailed,
)
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor
from pesanan.db.sequences import next_gapless
from pesanan.events.service import emit
from pesanan.inventory import count_queries, locks
from pesanan.inventory import service as stock
from pesanan.inventory.counting import below_reserved
from pesanan.inventory.lookup import line_products, unknown_location
from pesanan.inventory.models import stock_count, stock_count_line, stock_level
from pesanan.inventory.schemas import CountCreate
from pesanan.ledger import postings
from pesanan.ledger import service as ledger

REASONS = {"count": "cycle count", "import": "stock import"}


def _on_hand(conn: Connection, location_id: str, product_ids: list[str]) -> dict[str, int]:
    rows = conn.execute(select(stock_level.c.product_id, stock_level.c.on_hand)
                        .where(stock_level.c.location_id == location_id,
                               stock_level.c.product_id.in_(product_ids)))
    return {p: int(q) for p, q in rows}


def record_count(conn: Connection, cmd: CountCreate, source: str = "count") -> dict[str, Any]:
    errors: list[FieldError] = []
    if not stock.location_exists(conn, cmd.location_id):
        errors.append(unknown_location("location_id"))
    found = line_products(conn, [x.sku for x in cmd.lines], errors, twice="SKU counted twice")
    if errors:
        raise ValidationFailed("The count cannot be recorded", errors)
    expected = _on_hand(conn, cmd.location_id, [p.id for p in found.values()])
    cid = new_id()
    conn.execute(stock_count.insert(), {
        "id": cid, "number": next_gapless(conn, "stock_count"), "location_id": cmd.location_id,
        "status": "counted", "source": source, "created_at": now(), "posted_at": None})
    conn.execute(stock_count_line.insert(), [
        {"id": new_id(), "count_id": cid, "product_id": found[x.sku].id,
         "expected": expected.get(found[x.sku].id, 0), "counted": x.counted, "difference": None}
        for x in cmd.lines])
    if cmd.post:
        return post_count(conn, cid)
    view = count_queries.get_count(conn, cid)
    emit(conn, "stock.counted", "stock_count", cid, view)
    return view


def _claim(conn: Connection, count_id: str, target: str, verb: str) -> dict[str, Any]:
    done = conn.execute(update(stock_count)
                        .where(stock_count.c.id == count_id, stock_count.c.status == "counted")
                        .values(status=target, posted_at=now() if target == "posted" else None))
    row = conn.execute(select(stock_count).where(stock_count.c.id == count_id)).mappings().first()
    if row is None:
        raise NotFound(f"count {count_id} not found")
    if done.rowcount != 1:
        raise InvalidTransition(f"a {row['status']} count cannot be {verb}")
    return dict(row)


def _post_line(conn: Connection, count: dict[str, Any], line: Any, reason: str,
               index: int) -> FieldError | None:
    loc = count["location_id"]
    stock.ensure_level(conn, line.product_id, loc)
    cur = locks.level_row(conn, line.product_id, loc)
    problem = below_reserved(line.counted, cur.reserved)
    if problem:
        return FieldError(f"lines[{index}].counted", problem.code, problem.message)
    diff = line.counted - cur.on_hand
    if diff:
        # Compare-and-set on the on hand just read (SQLite has no FOR UPDATE): a concurrent
        # change makes the whole command re-run on fresh numbers.
        done = conn.execute(update(stock_level)
                            .where(stock_level.c.product_id == line.product_id,
                                   stock_level.c.location_id == loc,
                                   stock_level.c.on_hand == cur.on_hand,
                                   stock_level.c.reserved <= line.counted)
                            .values(on_hand=line.counted, updated_at=now()))
        if done.rowcount != 1:
            raise Retry("stock changed while posting a count")
        cost = stock.unit_cost(conn, line.product_id)
        stock.record_movement(conn, line.product_id, loc, diff, "count", reason, "stock_count",
                              count["id"], cost)
        value = quantize_minor(cost * diff, line.currency)
        ledger.post(conn, currency=line.currency,
                    memo=f"{reason.capitalize()} {count_queries.number_label(count['number'])} "
                         f"{line.sku}: {diff:+d}",
                    source_type="stock_count", source_id=count["id"],
                    lines=postings.stock_adjusted(value))
    conn.execute(update(stock_count_line).where(stock_count_line.c.id == line.id)
                 .values(difference=diff))
    return None


def post_count(conn: Connection, count_id: str) -> dict[str, Any]:
    count = _claim(conn, count_id, "posted", "posted")
    lines = count_queries.line_rows(conn, count_id)
    index = {x.id: i for i, x in enumerate(lines)}  # as recorded
    reason = REASONS[count["source"]]
    errors = [e for x in locks.by_product(lines)
              if (e := _post_line(conn, count, x, reason, index[x.id])) is not None]
    if errors:
        raise InsufficientStock("Some counts are below what is reserved; nothing was posted",
                                errors)
    view = count_queries.get_count(conn, count_id)
    emit(conn, "stock.count_posted", "stock_count", count_id, view)
    return view


def cancel_count(conn: Connection, count_id: str) -> dict[str, Any]:
    _claim(conn, count_id, "cancelled", "cancelled")
    return count_queries.get_count(conn, count_id)
