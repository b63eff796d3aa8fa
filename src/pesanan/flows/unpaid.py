"""Cancel-and-release unpaid prepaid orders (the scheduled job `orders.cancel_unpaid`).

A shop that takes card or bank transfer before shipping sets aside stock for an order the
customer may never pay. After `hours` without payment, the order is cancelled through the same
flow as a manual cancel (flows/cancel.py), so its reservations and backorders are released and
`order.cancelled` is emitted exactly as then; the timeline names the job as the actor.

Which orders: open or on hold, nothing paid, invoiced or shipped, placed more than `hours`
before the run, by a customer whose payment preference is one of `preferences` (prepaid ones:
card, bank_transfer; cash, cod and invoice customers pay on delivery or on terms). An invoiced
order is left alone and counted: cancelling it needs a credit note, an accountant's decision.

Each order is its own transaction, re-checked under its row lock (a payment may have arrived
since the list was read): one refusal (a fulfilment order packed meanwhile) cancels nothing of
that order and does not undo the others; it is reported in the outcome. A cancelled order no
longer matches, so a re-run cancels nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.customers import queries as customers
from pesanan.db.tx import transact
from pesanan.flows.cancel import cancel_order
from pesanan.orders import locks, unpaid
from pesanan.orders.queries import order_number
from pesanan.orders.schemas import CancelOrder

PREPAID = ("bank_transfer", "card")


def _still_unpaid(order: dict[str, Any], before: datetime) -> bool:
    return bool(order["amount_paid"] == 0 and order["amount_invoiced"] == 0
            and order["financial_status"] == "pending" and order["placed_at"] < before)


def _cancel_one(conn: Connection, order_id: str, before: datetime, reason: str, actor: Actor
                ) -> str | None:
    order = locks.order_row(conn, order_id)
    if not _still_unpaid(order, before):
        return None
    cancel_order(conn, order_id, CancelOrder(reason=reason), actor)
    return order_number(order["number"])


def cancel_unpaid(engine: Engine, at: datetime, hours: float, preferences: Sequence[str],
                  actor: Actor, limit: int = 200) -> dict[str, Any]:
    """Returns {"cancelled": [numbers], "refused": [{"order", "reason"}],
    "skipped_invoiced": n, "more": bool}."""
    before = at - timedelta(hours=hours)
    ids = customers.with_payment_preference(preferences)
    found, invoiced = transact(engine, lambda conn: (
        unpaid.unpaid_before(conn, before, ids, limit),
        unpaid.unpaid_invoiced_count(conn, before, ids)))
    reason = f"unpaid after {hours:g} hours"
    cancelled: list[str] = []
    refused: list[dict[str, str]] = []
    for order_id in found:
        def one(conn: Connection, oid: str = order_id) -> str | None:
            return _cancel_one(conn, oid, before, reason, actor)

        try:
            number = transact(engine, one)
        except DomainError as e:  # reported in the outcome, the order left as it was
            refused.append({"order_id": order_id, "reason": e.detail})
            continue
        if number is not None:
            cancelled.append(number)
    return {"cancelled": cancelled, "refused": refused, "skipped_invoiced": invoiced,
            "more": len(found) == limit}
