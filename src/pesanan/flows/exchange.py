"""Exchange a received return for replacement goods: a process across returns, orders and
billing. The replacement is a new web order (same customer and address), placed through the
place-order flow, invoiced at once and paid from the return's credit note (payment method
`credit_note`); a replacement worth more leaves a balance due on the new order, one worth less
leaves credit open on the note.

Locks, in the order every return takes them (returns/locks.py): the returned order, the RMA,
the credit note; the new order's row after it is placed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.billing import credit_notes
from pesanan.billing import locks as billing_locks
from pesanan.billing import service as billing
from pesanan.billing.schemas import IssueInvoice
from pesanan.core.actor import Actor
from pesanan.flows.place_order import place_order
from pesanan.orders import locks as order_locks
from pesanan.orders import queries as orders_q
from pesanan.orders.schemas import PlaceOrder, ShippingAddress
from pesanan.returns import locks
from pesanan.returns import service as returns
from pesanan.returns import status as st
from pesanan.returns.schemas import ExchangeReturn


def exchange_return(conn: Connection, rma_id: str, cmd: ExchangeReturn, actor: Actor
                    ) -> dict[str, Any]:
    order, row = locks.order_and_rma(conn, rma_id)
    st.check(row["status"], st.RmaStatus.EXCHANGED, f"return {row['number']}")
    cn = billing_locks.credit_note_row(conn, row["credit_note_id"])
    address = order["shipping_address"]
    placed = place_order(conn, PlaceOrder(
        channel="web", customer_id=order["customer_id"], currency=order["currency"],
        lines=cmd.lines, shipping_address=ShippingAddress(**address) if address else None,
        note=f"Exchange for {row['number']}" + (f": {cmd.note}" if cmd.note else "")), actor)
    billing.issue_invoice(conn, placed["id"], IssueInvoice(note=f"exchange {row['number']}"),
                          actor)
    new_order = order_locks.order_row(conn, placed["id"])
    applied = credit_notes.apply_to_order(conn, cn, new_order, actor)
    view = returns.mark_exchanged(conn, row, placed, applied, actor)
    return {**view, "exchange_order": orders_q.get_order(conn, placed["id"])}
