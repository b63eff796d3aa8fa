"""Return (RMA) commands: request, approve, reject, receive, refund, close (and the exchange's
last step; the exchange itself places an order, so it is a flow: flows/exchange.py).

Locking (returns/locks.py): every command locks the order row first, then the RMA row, then
stock rows in the global (product, location) order, and takes the credit-note counter last. So
two returns of one order run one after the other: the "returned <= delivered" check and the
refund cap are decided on rows nobody else is changing.

Decisions where the issue is silent:
- Only delivered units can be returned; units on a return that is not rejected count against
  what may still be returned. An order with nothing delivered → 409.
- Receiving issues the credit note (the goods are back, the customer is owed their value) for
  every line, scrapped ones included. The credit first settles what the order still owes;
  the rest is refunded (refund) or spent on a replacement order (exchange).
- restock: units back into on hand at the receiving location (movement kind `return`) at the
  cost their shipment took; ledger Dr 1200 / Cr 5000. quarantine: ledger the same (the goods are
  ours, valued the same); the units arrive straight into quarantine at the receiving location
  (inventory.states.quarantine_in), not sellable until released there.
  scrap: nothing back in stock and no entry, the cost stays in COGS.
- Exchange (flows/exchange.py: it places an order): a new web order for the replacement items
  (same customer and address), invoiced at once and paid from the credit note (payment method
  `credit_note`); a replacement worth more leaves a balance due on the new order, one worth less
  leaves credit open on the note.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, update

from pesanan.billing import credit_notes, refunds
from pesanan.billing import locks as billing_locks
from pesanan.billing import queries as billing_q
from pesanan.billing import service as billing
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
from pesanan.core.money import fmt, quantize_minor
from pesanan.db.sequences import next_gapless
from pesanan.events.service import emit
from pesanan.fulfillment import queries as fulfillment_q
from pesanan.inventory import service as inventory
from pesanan.inventory import states
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.orders import locks as order_locks
from pesanan.orders import queries as orders_q
from pesanan.orders import service as orders
from pesanan.purchasing import levels as purchasing_levels
from pesanan.returns import locks, queries
from pesanan.returns import status as st
from pesanan.returns.models import rma, rma_line
from pesanan.returns.schemas import (
    Decide,
    ReceiveReturn,
    RefundReturn,
    Reject,
    RequestReturn,
)

# --- request ---------------------------------------------------------------------------------


def request_return(conn: Connection, cmd: RequestReturn, actor: Actor) -> dict[str, Any]:
    order = order_locks.order_row(conn, cmd.order_id)
    lines = orders_q.order_lines(conn, order["id"])
    delivered = fulfillment_q.delivered_per_line(conn, order["id"])
    if not delivered:
        raise Conflict(f"order {orders_q.order_number(order['number'])} has nothing delivered "
                       "yet: only delivered units can be returned")
    wanted = _match_lines(cmd, lines, delivered, queries.returned_per_line(conn, order["id"]))
    ts = now()
    seq = next_gapless(conn, f"rma_{ts.year}")
    row = {"id": new_id(), "number": queries.rma_number(ts.year, seq), "year": ts.year,
           "seq": seq, "order_id": order["id"], "customer_id": order["customer_id"],
           "currency": order["currency"], "status": st.RmaStatus.REQUESTED, "note": cmd.note,
           "decision_note": None, "location_id": None, "credit_note_id": None,
           "exchange_order_id": None, "requested_at": ts, "updated_at": ts}
    conn.execute(rma.insert(), row)
    rows = [{"id": new_id(), "rma_id": row["id"], "line_no": i + 1, "order_line_id": ol["id"],
             "product_id": ol["product_id"], "quantity": q, "reason": reason,
             "disposition": None, "unit_cost": None}
            for i, (ol, q, reason) in enumerate(wanted)]
    conn.execute(rma_line.insert(), rows)
    units = sum(q for _, q, _ in wanted)
    return _changed(conn, row, None, "requested", f"Return {row['number']} requested: "
                    f"{units} unit(s)" + (f" ({cmd.note})" if cmd.note else ""), actor)


def _match_lines(cmd: RequestReturn, lines: list[dict[str, Any]],
                 delivered: dict[str, tuple[int, Decimal]], returned: dict[str, int]
                 ) -> list[tuple[dict[str, Any], int, str]]:
    """Resolve each requested line to its order line and check the quantity is returnable."""
    by_id = {x["id"]: x for x in lines}
    by_sku: dict[str, list[dict[str, Any]]] = {}
    for x in lines:
        by_sku.setdefault(x["sku"], []).append(x)
    inv, out, seen = Invalid(), [], set()
    for i, w in enumerate(cmd.lines):
        field = f"lines[{i}]"
        ol = by_id.get(w.order_line_id or "")
        if w.sku is not None:
            same = by_sku.get(w.sku, [])
            ol = same[0] if len(same) == 1 else None
        if ol is None:
            ref = w.order_line_id or w.sku
            inv.add(f"{field}.{'sku' if w.sku else 'order_line_id'}", "unknown_line",
                    f"the order has no (single) line {ref}")
            continue
        if ol["id"] in seen:
            inv.add(f"{field}.order_line_id", "duplicate_line", "each line may appear once")
            continue
        seen.add(ol["id"])
        got = delivered.get(ol["id"], (0, Decimal(0)))[0]
        back = returned.get(ol["id"], 0)
        if w.quantity > st.returnable(got, back):
            inv.add(f"{field}.quantity", "exceeds_delivered",
                    f"{ol['sku']}: {got} delivered, {back} already on returns: at most "
                    f"{st.returnable(got, back)} can be returned")
        out.append((ol, w.quantity, w.reason))
    inv.raise_if_any("The return asks for units that cannot be returned")
    return out


# --- decide ----------------------------------------------------------------------------------


def approve_return(conn: Connection, rma_id: str, cmd: Decide, actor: Actor) -> dict[str, Any]:
    _, row = locks.order_and_rma(conn, rma_id)
    return _move(conn, row, st.RmaStatus.APPROVED, actor,
                 f"Return {row['number']} approved" + (f": {cmd.note}" if cmd.note else ""),
                 decision_note=cmd.note)


def reject_return(conn: Connection, rma_id: str, cmd: Reject, actor: Actor) -> dict[str, Any]:
    _, row = locks.order_and_rma(conn, rma_id)
    return _move(conn, row, st.RmaStatus.REJECTED, actor,
                 f"Return {row['number']} rejected: {cmd.reason}", decision_note=cmd.reason)


def close_return(conn: Connection, rma_id: str, actor: Actor) -> dict[str, Any]:
    _, row = locks.order_and_rma(conn, rma_id)
    return _move(conn, row, st.RmaStatus.CLOSED, actor, f"Return {row['number']} closed")


# --- receive ---------------------------------------------------------------------------------


def receive_return(conn: Connection, rma_id: str, cmd: ReceiveReturn, actor: Actor
                   ) -> dict[str, Any]:
    order, row = locks.order_and_rma(conn, rma_id)
    st.check(row["status"], st.RmaStatus.RECEIVED, f"return {row['number']}")
    lines = queries.rma_lines(conn, rma_id)
    chosen = _dispositions(cmd, lines)
    if not inventory.location_exists(conn, cmd.location_id):
        raise ValidationFailed("The goods cannot be received there", [FieldError(
            "location_id", "unknown_location", "no such location")])
    delivered = fulfillment_q.delivered_per_line(conn, order["id"])
    by_ol = {x["id"]: x for x in orders_q.order_lines(conn, order["id"])}
    value = Decimal(0)
    for line in locks.lines_in_stock_lock_order(lines):
        cost = delivered.get(line["order_line_id"], (0, Decimal(0)))[1]
        disposition = chosen[line["id"]]
        conn.execute(update(rma_line).where(rma_line.c.id == line["id"])
                     .values(disposition=disposition, unit_cost=cost))
        line.update(disposition=disposition, unit_cost=cost)
        if disposition in st.VALUED_BACK:
            value += cost * line["quantity"]
        if disposition == st.Disposition.RESTOCK:
            inventory.receive(conn, product_id=line["product_id"], location_id=cmd.location_id,
                              quantity=line["quantity"], unit_cost_=cost,
                              currency=order["currency"], ref_type="rma", ref_id=rma_id,
                              kind="return")
        elif disposition == st.Disposition.QUARANTINE:
            states.quarantine_in(conn, line["product_id"], cmd.location_id, line["quantity"],
                                 f"return {row['number']}: {line['reason']}"[:200], "rma",
                                 rma_id, purchasing_levels.level)
    cur = order["currency"]
    ledger.post(conn, currency=cur, memo=f"Goods returned, {row['number']}",
                source_type="rma", source_id=rma_id, order_id=order["id"],
                lines=postings.goods_returned(quantize_minor(value, cur)))
    cn = credit_notes.issue_credit_note(
        conn, order, [credit_notes.Credited(by_ol[x["order_line_id"]], x["quantity"])
                      for x in lines], rma_id=rma_id, reason=f"Return {row['number']}",
        actor=actor)
    summary = ", ".join(f"{x['quantity']}x {by_ol[x['order_line_id']]['sku']} "
                        f"{x['disposition']}" for x in lines)
    return _move(conn, row, st.RmaStatus.RECEIVED, actor,
                 f"Return {row['number']} received: {summary}",
                 location_id=cmd.location_id, credit_note_id=cn["id"])


def _dispositions(cmd: ReceiveReturn, lines: list[dict[str, Any]]) -> dict[str, str]:
    """Every line of the return gets exactly one disposition."""
    known = {x["id"] for x in lines}
    inv, chosen = Invalid(), dict[str, str]()
    for i, w in enumerate(cmd.lines):
        if w.rma_line_id not in known:
            inv.add(f"lines[{i}].rma_line_id", "unknown_line", "not a line of this return")
        elif w.rma_line_id in chosen:
            inv.add(f"lines[{i}].rma_line_id", "duplicate_line", "each line may appear once")
        else:
            chosen[w.rma_line_id] = w.disposition
    missing = [x["line_no"] for x in lines if x["id"] not in chosen]
    if missing and not inv.errors:
        inv.add("lines", "missing_line",
                f"give a disposition for every line (missing line {missing[0]})")
    inv.raise_if_any("The receipt does not match the return")
    return chosen


# --- refund / exchange -----------------------------------------------------------------------


def refund_return(conn: Connection, rma_id: str, cmd: RefundReturn, actor: Actor
                  ) -> dict[str, Any]:
    order, row = locks.order_and_rma(conn, rma_id)
    st.check(row["status"], st.RmaStatus.REFUNDED, f"return {row['number']}")
    cn = billing_locks.credit_note_row(conn, row["credit_note_id"])
    cur = order["currency"]
    if cmd.amount is None:
        amount = min(credit_notes.open_amount(conn, cn), refunds.refundable(order))
    else:
        amount = billing.money_in(cmd.amount, cur, "refund")
    if amount <= 0:
        raise Conflict(f"return {row['number']}: nothing is left to refund (credit note "
                       f"{cn['number']} is settled, or nothing was paid)")
    method = cmd.method or billing_q.refund_method_for(conn, order)
    refund = refunds.record_refund(conn, order, amount, method, cmd.reference, actor,
                                   cn=cn, rma_id=rma_id)
    view = _move(conn, row, st.RmaStatus.REFUNDED, actor,
                 f"Return {row['number']} refunded: {fmt(amount, cur)} {cur}")
    return {**view, "refund": refund}


def mark_exchanged(conn: Connection, row: dict[str, Any], exchange_order: dict[str, Any],
                   applied: Decimal, actor: Actor) -> dict[str, Any]:
    """The last step of an exchange (flows/exchange.py places and pays the replacement order):
    the locked RMA `row` becomes exchanged, naming the replacement order."""
    cur = row["currency"]
    return _move(conn, row, st.RmaStatus.EXCHANGED, actor,
                 f"Return {row['number']} exchanged for {exchange_order['number']}: "
                 f"{fmt(applied, cur)} {cur} of credit applied",
                 exchange_order_id=exchange_order["id"])


# --- helpers ---------------------------------------------------------------------------------


def _move(conn: Connection, row: dict[str, Any], target: str, actor: Actor, message: str,
          **values: Any) -> dict[str, Any]:
    """Compare-and-set the RMA's status, then timeline and event."""
    current = row["status"]
    st.check(current, target, f"return {row['number']}")
    done = conn.execute(update(rma).where(rma.c.id == row["id"], rma.c.status == current)
                        .values(status=target, updated_at=now(), **values))
    if done.rowcount != 1:
        raise InvalidTransition(f"return {row['number']} changed concurrently")
    row.update(status=target, **values)
    return _changed(conn, row, current, target, message, actor)


def _changed(conn: Connection, row: dict[str, Any], current: str | None, target: str,
             message: str, actor: Actor) -> dict[str, Any]:
    orders.note_event(conn, row["order_id"], f"return.{target}", message, actor,
                      field="return", from_status=current, to_status=target)
    view = queries.get_rma(conn, row["id"])
    emit(conn, f"return.{target}", "rma", row["id"], view)
    return view
