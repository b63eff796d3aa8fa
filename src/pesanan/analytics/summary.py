"""What the shop holds now, for the demo's closing summary.

A read-only report across domains, in a handful of aggregate statements; like the audit it reads
the tables directly because no one domain owns these totals (and it writes nothing)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.billing.models import invoice, payment
from pesanan.fulfillment.models import shipment
from pesanan.orders.models import sales_order
from pesanan.purchasing.models import purchase_order


def _counts(conn: Connection, column: Any) -> Counter[str]:
    rows = conn.execute(select(column, func.count()).group_by(column)).all()
    return Counter({str(k): int(n) for k, n in rows})


def _sums(conn: Connection, amount: Any, currency: Any, *where: Any) -> dict[str, Decimal]:
    rows = conn.execute(select(currency, func.sum(amount)).where(*where).group_by(currency))
    return {str(cur): Decimal(total) for cur, total in rows}


def summary(conn: Connection) -> dict[str, Any]:
    o = sales_order.c
    return {
        "orders_by_channel": _counts(conn, o.channel),
        "orders_by_status": _counts(conn, o.status),
        # Sales: what customers ordered and kept (cancelled orders excluded), before tax.
        "sales": _sums(conn, o.subtotal, o.currency, o.status != "cancelled"),
        "invoiced": _sums(conn, invoice.c.total, invoice.c.currency),
        "invoices": sum(_counts(conn, invoice.c.status).values()),
        "paid": _sums(conn, payment.c.amount, payment.c.currency),
        "shipments_by_status": _counts(conn, shipment.c.status),
        "purchase_orders_by_status": _counts(conn, purchase_order.c.status),
    }
