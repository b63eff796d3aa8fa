"""Running totals the operator's monitoring reads (telemetry's /metrics), counted in the
database at scrape time so every server process reports the same numbers."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from pesanan.orders.models import sales_order


def orders_by_channel(conn: Connection) -> dict[str, int]:
    """Orders placed so far, by channel (cancelled ones too: they were placed)."""
    c = sales_order.c
    rows = conn.execute(select(c.channel, func.count()).group_by(c.channel)).all()
    return {str(channel): int(n) for channel, n in rows}
