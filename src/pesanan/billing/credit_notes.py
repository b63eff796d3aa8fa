"""Credit notes: the value of returned goods given back to the customer, under a gapless number
(CN-2026-000001, per year of issue in the shop's time zone) like invoices.

The caller holds the order's row lock (orders.locks.order_row), as every billing command
does, so what was invoiced and credited before cannot change underneath.

Rounding: a credit note line is priced like an order line (orders.pricing: exact subtotal, tax
half-up per line), except that the credit which takes a line's last units takes exactly what is
left of that line's subtotal and tax — so the credits of a line add up to the line, never a
minor unit more, however its units came back.

Settlement: the credit first settles what the order still owes on its open invoices (the
customer does not pay for goods they returned); what is left (`amount_open`) is owed to the
customer — refunded in cash (billing.refunds) or spent on a replacement order (`apply_to_order`,
an exchange). Applying credit moves no account: both sides are 1100 receivable.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.billing import queries
from pesanan.billing.models import credit_note, credit_note_line, invoice, payment
from pesanan.billing.service import apply_to_invoices
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict
from pesanan.core.ids import new_id
from pesanan.core.money import fmt
from pesanan.db.sequences import next_gapless
from pesanan.events.service import emit
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.pricing import price_line
from pesanan.orders.queries import order_number
from pesanan.shop import service as shop
from pesanan.shop.days import business_date


@dataclass(frozen=True, slots=True)
class Credited:
    order_line: dict[str, Any]  # the order_line row
    quantity: int


def issue_credit_note(conn: Connection, order: dict[str, Any], items: list[Credited], *,
                      rma_id: str | None, reason: str, actor: Actor) -> dict[str, Any]:
    """Credit `items` of a locked order. Refuses (409) credit for goods never invoiced."""
    cur = order["currency"]
    lines = _price(conn, order, items)
    subtotal = sum((x["subtotal"] for x in lines), Decimal(0))
    tax = sum((x["tax"] for x in lines), Decimal(0))
    left = order["amount_invoiced"] - queries.credited_total(conn, order["id"])
    if subtotal + tax > left:
        raise Conflict(f"order {order_number(order['number'])} has {fmt(left, cur)} {cur} "
                       f"invoiced and not yet credited; the return is worth "
                       f"{fmt(subtotal + tax, cur)} {cur}: invoice the order first")
    open_invoices = queries.open_invoices(conn, order["id"])
    first_invoice = conn.execute(select(invoice.c.id).where(invoice.c.order_id == order["id"])
                                 .order_by(invoice.c.id).limit(1)).scalar()
    issued_at = now()
    shop_now = shop.profile(conn)
    year = business_date(issued_at, shop_now.zone).year  # the shop's year, as for invoices
    # Taken last, after every check: the counter row stays locked until commit.
    seq = next_gapless(conn, f"credit_note_{year}")
    row = {"id": new_id(),
           "number": queries.credit_note_number(year, seq, shop_now.credit_note_prefix),
           "year": year, "seq": seq, "order_id": order["id"],
           "invoice_id": first_invoice, "rma_id": rma_id, "customer_id": order["customer_id"],
           "currency": cur, "subtotal": subtotal, "tax_total": tax, "total": subtotal + tax,
           "amount_applied": Decimal(0), "reason": reason[:200], "issued_at": issued_at}
    conn.execute(credit_note.insert(), row)
    for x in lines:
        x["credit_note_id"] = row["id"]
    conn.execute(credit_note_line.insert(), lines)
    ledger.post(conn, currency=cur, memo=f"Credit note {row['number']} for "
                f"{order_number(order['number'])}", source_type="credit_note",
                source_id=row["id"], order_id=order["id"],
                lines=postings.credit_note_issued(subtotal, tax))
    owed = sum((i["total"] - i["amount_paid"] for i in open_invoices), Decimal(0))
    settled = min(owed, row["total"])
    if settled > 0:
        apply_to_invoices(conn, open_invoices, settled)
        row["amount_applied"] = settled
        conn.execute(update(credit_note).where(credit_note.c.id == row["id"])
                     .values(amount_applied=settled))
    orders.note_event(conn, order["id"], "credit_note.issued",
                      f"Credit note {row['number']} issued: {fmt(row['total'], cur)} {cur}"
                      + (f", {fmt(settled, cur)} settles the open invoice" if settled else ""),
                      actor)
    view = queries.credit_note_view(row, lines, Decimal(0))
    emit(conn, "credit_note.issued", "credit_note", row["id"], view)
    return view


def _price(conn: Connection, order: dict[str, Any], items: list[Credited]
           ) -> list[dict[str, Any]]:
    cur = order["currency"]
    done = queries.credited_per_line(conn, order["id"])
    out = []
    for it in items:
        ol = it.order_line
        units, sub_done, tax_done = done.get(ol["id"], (0, Decimal(0), Decimal(0)))
        if units + it.quantity > ol["quantity"]:
            raise Conflict(f"line {ol['sku']}: {units} of {ol['quantity']} unit(s) are credited "
                           f"already; {it.quantity} more cannot be")
        if units + it.quantity == ol["quantity"]:
            subtotal, tax = ol["subtotal"] - sub_done, ol["tax"] - tax_done
        else:
            priced = price_line(ol["unit_price"], it.quantity, ol["tax_rate"], cur)
            subtotal, tax = priced.subtotal, priced.tax
        out.append({"id": new_id(), "order_line_id": ol["id"], "sku": ol["sku"],
                    "name": ol["name"], "quantity": it.quantity, "unit_price": ol["unit_price"],
                    "tax_rate": ol["tax_rate"], "subtotal": subtotal, "tax": tax,
                    "total": subtotal + tax})
        done[ol["id"]] = (units + it.quantity, sub_done + subtotal, tax_done + tax)
    return out


def open_amount(conn: Connection, cn: dict[str, Any]) -> Decimal:
    """What the customer may still have of a credit note: not applied, not refunded."""
    refunded = queries.refunded_on_credit_notes(conn, [cn["id"]])[cn["id"]]
    return Decimal(cn["total"] - cn["amount_applied"] - refunded)


def apply_to_order(conn: Connection, cn: dict[str, Any], new_order: dict[str, Any],
                   actor: Actor) -> Decimal:
    """Spend a credit note's open amount on another (locked, invoiced) order of the same
    customer, as a payment with method `credit_note`. Returns the amount applied."""
    cur = new_order["currency"]
    open_invoices = queries.open_invoices(conn, new_order["id"])
    owed = sum((i["total"] - i["amount_paid"] for i in open_invoices), Decimal(0))
    amount = min(open_amount(conn, cn), owed)
    if amount <= 0:
        return Decimal(0)
    conn.execute(payment.insert(), {
        "id": new_id(), "order_id": new_order["id"], "invoice_id": open_invoices[0]["id"],
        "amount": amount, "currency": cur, "method": "credit_note", "reference": cn["number"],
        "received_at": now()})
    apply_to_invoices(conn, open_invoices, amount)
    conn.execute(update(credit_note).where(credit_note.c.id == cn["id"])
                 .values(amount_applied=credit_note.c.amount_applied + amount))
    cn["amount_applied"] += amount
    paid = new_order["amount_paid"] + amount
    orders.set_status(conn, new_order, "financial_status",
                      st.financial_for(paid, new_order["total"]), actor, amount_paid=paid)
    orders.note_event(conn, new_order["id"], "payment.recorded",
                      f"Paid {fmt(amount, cur)} {cur} from credit note {cn['number']}", actor)
    return Decimal(amount)
