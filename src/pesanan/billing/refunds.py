"""Refunds: money paid back to a customer (cash out: Dr 1100 receivable / Cr 1000 cash).

`sales_order.amount_paid` stays what the customer paid in; `amount_refunded` is what went back
(CHECK 0 <= refunded <= paid), so paid - refunded is what we still hold. A refund may never take
more than that, nor more than the open amount of the credit note it pays out. The caller holds
the order's row lock, so concurrent refunds of one order run one after the other and each sees
what the previous one refunded (tested with real threads on PostgreSQL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from pesanan.billing import credit_notes, queries
from pesanan.billing.models import refund
from pesanan.billing.status import financial_after_refund
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.core.money import fmt
from pesanan.events.service import emit
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import service as orders
from pesanan.orders.queries import order_number


def refundable(order: dict[str, Any]) -> Decimal:
    return Decimal(order["amount_paid"] - order["amount_refunded"])


def record_refund(conn: Connection, order: dict[str, Any], amount: Decimal, method: str,
                  reference: str | None, actor: Actor, *, cn: dict[str, Any] | None = None,
                  rma_id: str | None = None) -> dict[str, Any]:
    """Pay `amount` back on a locked order (and, when given, out of credit note `cn`)."""
    cur = order["currency"]
    label = order_number(order["number"])
    held = refundable(order)
    if held <= 0:
        raise Conflict(f"nothing paid on {label} is left to refund",
                       [FieldError("amount", "nothing_paid", "the order holds no payment")])
    limits = [(held, f"{fmt(held, cur)} {cur} paid and not yet refunded on {label}")]
    if cn is not None:
        left = credit_notes.open_amount(conn, cn)
        limits.append((left, f"{fmt(left, cur)} {cur} open on credit note {cn['number']}"))
    for limit, why in limits:
        if amount > limit:
            raise ValidationFailed(f"{fmt(amount, cur)} {cur} is more than the {why}",
                                   [FieldError("amount", "exceeds_refundable", f"at most {why}")])
    row = {"id": new_id(), "order_id": order["id"], "credit_note_id": cn["id"] if cn else None,
           "rma_id": rma_id, "amount": amount, "currency": cur, "method": method,
           "reference": reference, "refunded_at": now()}
    conn.execute(refund.insert(), row)
    ledger.post(conn, currency=cur, memo=f"Refund ({method}) for {label}",
                source_type="refund", source_id=row["id"], order_id=order["id"],
                lines=postings.refund_paid(amount))
    total = order["amount_refunded"] + amount
    orders.set_status(conn, order, "financial_status",
                      financial_after_refund(order["amount_paid"], total), actor,
                      amount_refunded=total)
    orders.note_event(conn, order["id"], "refund.recorded",
                      f"Refund of {fmt(amount, cur)} {cur} by {method}"
                      + (f" (ref {reference})" if reference else "")
                      + (f" from credit note {cn['number']}" if cn else ""), actor)
    view = queries.refund_view(row)
    emit(conn, "refund.recorded", "refund", row["id"], view)
    return view
