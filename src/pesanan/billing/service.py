"""Billing commands: issue an invoice for an order, record a payment against it.

Both start by locking the order row (orders.locks.order_row), so every command on one order
(invoice, pay, ship, cancel) runs one after the other; the invoice rows of that order are only
ever changed under that lock, which is why their updates need no compare-and-set of their own.

Decisions where the issue is silent:
- An invoice covers everything on the order not yet invoiced (subtotal and tax separately, so a
  later invoice after an order change would take exactly the rest). Nothing left → 409, also
  for an order whose total is zero. Numbers run per calendar year of issue
  in the shop's time zone, with the shop's invoice prefix (shop settings).
- Payment terms: a customer's own terms in days when set (customer.payment_terms_days);
  otherwise a b2b customer's invoice is due 30 days after issue and a b2c invoice on issue
  (the customer pays at checkout or on delivery).
- A payment needs an open invoice: what is owed is what is invoiced and not yet paid. No open
  invoice → 409 (conflict with the order's state); more than is owed → 422 with a field error on
  `amount` (the value is wrong for this order), and nothing is written either way.
- A payment is applied to the order's open invoices oldest first; `payment.invoice_id` names the
  oldest invoice it paid into (today an order has exactly one invoice, see issue_invoice).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, update

from pesanan.billing import queries
from pesanan.billing.models import invoice, payment
from pesanan.billing.schemas import IssueInvoice, RecordPayment
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import (
    Conflict,
    FieldError,
    Invalid,
    InvalidTransition,
    ValidationFailed,
)
from pesanan.core.ids import new_id
from pesanan.core.money import fmt, read_amount
from pesanan.customers import queries as customers
from pesanan.db.sequences import next_gapless
from pesanan.events.service import emit
from pesanan.fulfillment import queries as fulfillment
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import locks as order_locks
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.queries import order_number
from pesanan.shop import service as shop
from pesanan.shop.days import business_date

B2B_PAYMENT_TERMS = timedelta(days=30)


# --- invoices ----------------------------------------------------------------------------------

def issue_invoice(conn: Connection, order_id: str, cmd: IssueInvoice, actor: Actor
                  ) -> dict[str, Any]:
    order = order_locks.order_row(conn, order_id)
    subtotal, tax = _uninvoiced(conn, order)
    issued_at = now()
    # The series is the shop's year: 23:30 UTC on 31 December is already next year in Jakarta.
    shop_now = shop.profile(conn)
    year = business_date(issued_at, shop_now.zone).year
    due_at = _due(issued_at, *customers.payment_terms(conn, order["customer_id"]))
    # Taken last, after every check: the counter row stays locked until commit, so the shorter
    # the rest of the transaction, the less concurrent invoicing queues behind it.
    seq = next_gapless(conn, f"invoice_{year}")
    cur = order["currency"]
    row = {
        "id": new_id(), "number": queries.invoice_number(year, seq, shop_now.invoice_prefix),
        "year": year, "seq": seq, "order_id": order_id,
        "customer_id": order["customer_id"], "currency": cur, "subtotal": subtotal,
        "tax_total": tax, "total": subtotal + tax, "amount_paid": Decimal(0),
        "status": "issued", "issued_at": issued_at, "due_at": due_at,
    }
    conn.execute(invoice.insert(), row)
    ledger.post(conn, currency=cur,
                memo=f"Invoice {row['number']} for {order_number(order['number'])}",
                source_type="invoice", source_id=row["id"], order_id=order_id,
                lines=postings.invoice_issued(subtotal, tax))
    # The financial status does not move on invoicing; set_status with the same status writes
    # only the extra column, through the same compare-and-set (and version bump) as any change.
    orders.set_status(conn, order, "financial_status", order["financial_status"], actor,
                      amount_invoiced=order["amount_invoiced"] + row["total"])
    message = f"Invoice {row['number']} issued: {fmt(row['total'], cur)} {cur}"
    orders.note_event(conn, order_id, "invoice.issued",
                      f"{message} ({cmd.note})" if cmd.note else message, actor)
    view = queries.invoice_view(row)
    emit(conn, "invoice.issued", "invoice", row["id"], view)
    return view


def _uninvoiced(conn: Connection, order: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(subtotal, tax) still to invoice; refuses a cancelled or fully invoiced order."""
    label = order_number(order["number"])
    if order["status"] == st.OrderStatus.CANCELLED:
        raise InvalidTransition(f"order {label} is cancelled and cannot be invoiced")
    done_subtotal, done_tax = queries.invoiced_so_far(conn, order["id"])
    subtotal = order["subtotal"] - done_subtotal
    tax = order["tax_total"] - done_tax
    if subtotal + tax <= 0:
        cur = order["currency"]
        if order["amount_invoiced"] > 0:
            raise Conflict(f"order {label} is already fully invoiced "
                           f"({fmt(order['amount_invoiced'], cur)} {cur})")
        raise Conflict(f"order {label} has nothing to invoice "
                       f"(its total is {fmt(order['total'], cur)} {cur})")
    return subtotal, tax


def _due(issued_at: datetime, customer_kind: str, terms_days: int | None = None) -> datetime:
    """The customer's own payment terms when set (the customer page, issue 12), else by kind."""
    if terms_days is not None:
        return issued_at + timedelta(days=terms_days)
    return issued_at + B2B_PAYMENT_TERMS if customer_kind == "b2b" else issued_at


# --- payments ----------------------------------------------------------------------------------

def record_payment(conn: Connection, order_id: str, cmd: RecordPayment, actor: Actor
                   ) -> dict[str, Any]:
    order = order_locks.order_row(conn, order_id)
    cur = order["currency"]
    amount = _payment_amount(cmd, cur)
    open_invoices = queries.open_invoices(conn, order_id)
    _check_owed(order, open_invoices, amount)
    method = cmd.method or queries.payment_method_for(conn, order["customer_id"])
    row = {"id": new_id(), "order_id": order_id, "invoice_id": open_invoices[0]["id"],
           "amount": amount, "currency": cur, "method": method,
           "reference": cmd.reference, "received_at": now()}
    conn.execute(payment.insert(), row)
    applied = apply_to_invoices(conn, open_invoices, amount)
    ledger.post(conn, currency=cur, memo=f"Payment ({method}) for "
                f"{order_number(order['number'])}", source_type="payment", source_id=row["id"],
                order_id=order_id, lines=postings.payment_recorded(amount))
    orders.note_event(conn, order_id, "payment.recorded",
                      f"Payment of {fmt(amount, cur)} {cur} by {method}"
                      + (f" (ref {cmd.reference})" if cmd.reference else ""), actor)
    paid = order["amount_paid"] + amount
    orders.set_status(conn, order, "financial_status", st.financial_for(paid, order["total"]),
                      actor, amount_paid=paid)
    view = {**queries.payment_view(row), "applied_to": applied, "order": _order_summary(order)}
    # The payment is the cause, so its event goes first; order.completed (if any) follows it.
    emit(conn, "payment.recorded", "payment", row["id"], view)
    if orders.try_complete(conn, order, fulfillment.all_delivered(conn, order_id), actor):
        view = {**view, "order": _order_summary(order)}
    return view


def _payment_amount(cmd: RecordPayment, currency: str) -> Decimal:
    """The amount as exact money in the order's currency; any problem is a 422 on its field."""
    inv = Invalid()
    if cmd.currency is not None and cmd.currency != currency:
        inv.add("currency", "wrong_currency",
                f"the order is in {currency}; a payment cannot be in {cmd.currency}")
    return money_in(cmd.amount, currency, "payment", inv)


def money_in(value: str, currency: str, what: str, inv: Invalid | None = None) -> Decimal:
    """An `amount` typed in by a person (a payment, a refund) as exact money in `currency`, more
    than zero. Any problem, with those already in `inv`, is one 422 ("The refund is invalid")
    with each error beside its field, so a payment and a refund refuse the same input alike."""
    inv = inv if inv is not None else Invalid()
    before = len(inv.errors)
    amount = read_amount(value, currency, inv, "amount")
    if len(inv.errors) == before and amount <= 0:
        inv.add("amount", "not_positive", f"a {what} must be more than zero")
    inv.raise_if_any(f"The {what} is invalid")
    return amount


def _check_owed(order: dict[str, Any], open_invoices: list[dict[str, Any]], amount: Decimal
                ) -> None:
    cur = order["currency"]
    label = order_number(order["number"])
    if order["status"] == st.OrderStatus.CANCELLED:
        raise InvalidTransition(f"order {label} is cancelled and takes no payments")
    owed = sum((x["total"] - x["amount_paid"] for x in open_invoices), Decimal(0))
    if owed <= 0:
        raise Conflict(f"nothing is owed on order {label}: issue an invoice first",
                       [FieldError("amount", "nothing_owed", "the order has no open invoice")])
    if amount > owed:
        owed_s = f"{fmt(owed, cur)} {cur}"
        raise ValidationFailed(
            f"{fmt(amount, cur)} {cur} is more than the {owed_s} owed on {label}",
            [FieldError("amount", "exceeds_amount_owed", f"at most {owed_s} is owed")])


def apply_to_invoices(conn: Connection, open_invoices: list[dict[str, Any]], amount: Decimal
                      ) -> list[dict[str, Any]]:
    """Spread a payment (or the credit of a credit note) over the order's open invoices, oldest
    first; returns what went where. The caller holds the order's lock."""
    left = amount
    applied = []
    for inv in open_invoices:
        if left <= 0:
            break
        take = min(left, inv["total"] - inv["amount_paid"])
        paid = inv["amount_paid"] + take
        status = "paid" if paid == inv["total"] else "partially_paid"
        conn.execute(update(invoice).where(invoice.c.id == inv["id"])
                     .values(amount_paid=paid, status=status))
        applied.append({"invoice_id": inv["id"], "number": inv["number"],
                        "amount": fmt(take, inv["currency"]), "invoice_status": status})
        left -= take
    return applied


def _order_summary(order: dict[str, Any]) -> dict[str, Any]:
    cur = order["currency"]
    return {"id": order["id"], "number": order_number(order["number"]),
            "status": str(order["status"]), "financial_status": str(order["financial_status"]),
            "amount_invoiced": fmt(order["amount_invoiced"], cur),
            "amount_paid": fmt(order["amount_paid"], cur),
            "balance_due": fmt(order["total"] - order["amount_paid"], cur)}
