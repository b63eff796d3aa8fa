"""The central view: today's trade, backlog by stage and age, low stock, overdue invoices.

Read-only and cross-domain by design (a report joins what the write side keeps apart)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select

from pesanan.billing.models import invoice
from pesanan.billing.queries import OPEN as OPEN_INVOICE
from pesanan.catalog.models import product
from pesanan.core.clock import now, rfc3339
from pesanan.core.money import fmt
from pesanan.events.models import outbox
from pesanan.inventory.models import location, stock_level
from pesanan.orders.models import sales_order
from pesanan.purchasing.models import reorder_rule
from pesanan.shop import service as shop
from pesanan.shop.days import business_date, day_bounds

LOW_STOCK_DEFAULT = 5
o = sales_order.c


def day_of(ts: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the shop's calendar day that `ts` falls on."""
    return day_bounds(business_date(ts, zone), zone)


def today(conn: Connection, at: datetime | None = None) -> dict[str, Any]:
    """Today's trade: the shop's day (midnight to midnight in its time zone), not UTC's."""
    since, until = day_of(at or now(), shop.profile(conn).zone)
    rows = conn.execute(
        select(o.channel, o.currency, func.count(), func.sum(o.total))
        .where(o.placed_at >= since, o.placed_at < until, o.status != "cancelled")
        .group_by(o.channel, o.currency)
    ).all()
    by_channel = {"web": 0, "pos": 0, "phone": 0}
    revenue: dict[str, Decimal] = {}
    for channel, currency, n, total in rows:
        by_channel[channel] = by_channel.get(channel, 0) + n
        revenue[currency] = revenue.get(currency, Decimal(0)) + Decimal(total or 0)
    return {"since": rfc3339(since), "orders": sum(by_channel.values()),
            "by_channel": by_channel,
            "revenue": {c: fmt(v, c) for c, v in sorted(revenue.items())}}


def backlog(conn: Connection) -> list[dict[str, Any]]:
    """Open orders waiting at each stage, with the oldest one's age."""
    is_open = o.status == "open"
    stages = [
        ("to_pick", "Waiting to be picked", and_(is_open, o.fulfillment_status == "unfulfilled")),
        ("to_ship", "Partly shipped", and_(is_open, o.fulfillment_status == "partially_fulfilled")),
        ("to_invoice", "Waiting for an invoice", and_(is_open, o.amount_invoiced < o.total)),
        ("to_be_paid", "Waiting for payment", and_(is_open, o.amount_paid < o.amount_invoiced)),
        ("on_hold", "On hold", o.status == "on_hold"),
    ]
    out = []
    ts = now()
    for key, label, cond in stages:
        n, oldest = conn.execute(select(func.count(), func.min(o.placed_at)).where(cond)).one()
        oldest_at = _aware(oldest)
        seconds = (ts - oldest_at).total_seconds() if oldest_at else None
        out.append({"key": key, "label": label, "count": n,
                    "oldest_at": rfc3339(oldest_at) if oldest_at else None,
                    "oldest_age_hours": round(seconds / 3600, 1) if seconds is not None else None,
                    "oldest_age": human_age(seconds) if seconds is not None else None})
    return out


def human_age(seconds: float) -> str:
    """An age as a person would say it: "just now", "3 min", "5 h", "2 d"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d"


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def low_stock(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    """SKUs at or below their reorder point (or a default floor where no rule is set)."""
    available = stock_level.c.on_hand - stock_level.c.reserved
    threshold = func.coalesce(reorder_rule.c.reorder_point, LOW_STOCK_DEFAULT)
    rows = conn.execute(
        select(product.c.sku, product.c.name, location.c.code, available.label("available"),
               threshold.label("threshold"))
        .select_from(stock_level)
        .join(product, product.c.id == stock_level.c.product_id)
        .join(location, location.c.id == stock_level.c.location_id)
        .outerjoin(reorder_rule, and_(reorder_rule.c.product_id == stock_level.c.product_id,
                                      reorder_rule.c.location_id == stock_level.c.location_id))
        .where(product.c.active.is_(True), available <= threshold)
        .order_by(available, product.c.sku).limit(limit)
    ).all()
    return [{"sku": r.sku, "name": r.name, "location": r.code, "available": r.available,
             "threshold": r.threshold} for r in rows]


def overdue_invoices(conn: Connection, limit: int = 10) -> dict[str, Any]:
    i = invoice.c
    # `status IN (open ones)` rather than `!= 'paid'`, so ix_invoice_status_due_at serves it.
    cond = and_(i.status.in_(OPEN_INVOICE), i.due_at < now())
    count = conn.execute(select(func.count()).where(cond)).scalar_one()
    rows = conn.execute(
        select(i.id, i.number, i.order_id, i.currency, i.total, i.amount_paid, i.due_at)
        .where(cond).order_by(i.due_at).limit(limit)
    ).all()
    return {"count": count, "items": [
        {"id": r.id, "number": r.number, "order_id": r.order_id, "currency": r.currency,
         "due": fmt(r.total - r.amount_paid, r.currency), "due_at": rfc3339(r.due_at)}
        for r in rows]}


def dashboard(conn: Connection) -> dict[str, Any]:
    return {"today": today(conn), "backlog": backlog(conn), "low_stock": low_stock(conn),
            "overdue": overdue_invoices(conn), "as_of": rfc3339(now())}


def latest_sequence(conn: Connection) -> int:
    """The newest stamped position (commit order, events/relay.py): by insert sequence, a
    transaction committing after a higher sequence's would never change the maximum."""
    return int(conn.execute(select(func.coalesce(func.max(outbox.c.position), 0))).scalar_one())

