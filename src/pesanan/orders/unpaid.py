"""Unpaid orders the cancel-unpaid job may cancel (flows/unpaid.py runs it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Select, func, select

from pesanan.orders import status as st
from pesanan.orders.models import sales_order

_o = sales_order.c


def _unpaid(before: datetime, customer_ids: Select[tuple[str]]) -> Select[tuple[str]]:
    return select(_o.id).where(
        _o.status.in_([st.OrderStatus.OPEN.value, st.OrderStatus.ON_HOLD.value]),
        _o.financial_status == st.FinancialStatus.PENDING.value, _o.amount_paid == 0,
        _o.fulfillment_status == st.FulfillmentStatus.UNFULFILLED.value,
        _o.placed_at < before, _o.customer_id.in_(customer_ids))


def unpaid_before(conn: Connection, before: datetime, customer_ids: Select[tuple[str]],
                  limit: int) -> list[str]:
    """Open or held orders of these customers placed before `before`, nothing paid, invoiced
    or shipped: what the cancel flow can cancel. Oldest first."""
    rows = conn.execute(_unpaid(before, customer_ids).where(_o.amount_invoiced == 0)
                        .order_by(_o.placed_at, _o.id).limit(limit))
    return [str(r.id) for r in rows]


def unpaid_invoiced_count(conn: Connection, before: datetime,
                          customer_ids: Select[tuple[str]]) -> int:
    """Such orders that were invoiced: cancelling one needs a credit note first, an
    accountant's decision, so the job leaves them and only counts them."""
    stmt = _unpaid(before, customer_ids).where(_o.amount_invoiced > 0).subquery()
    return int(conn.execute(select(func.count()).select_from(stmt)).scalar_one())
