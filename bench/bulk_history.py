"""Row builders for a year of trading history, bulk-inserted for the page benchmark.

HONEST NOTE: this BYPASSES the services (orders/billing/fulfillment/ledger) on purpose — placing
100,000 orders through them takes a long time, and the page benchmark only needs the rows the
pages read. So the rows are built here, by the same pure rules the services use (pricing,
ledger postings, number formats), and written with SQLAlchemy Core executemany batches:

- every order's subtotal/tax/total are the sums of its lines (orders.pricing, half-up per line);
- a completed order has one shipment (all lines, delivered) from the warehouse, one invoice, one
  payment, and the journal entries the services would post (invoice, cost of goods sold,
  payment); an "unpaid" order is shipped, delivered and invoiced but open; a cancelled order
  has neither stock nor money effect;
- stock stays consistent: for each (product, warehouse) one receipt movement at the start of
  the history brings in exactly the units the history ships out (posted as goods received), so
  on hand = sum of movements still holds and the level itself is unchanged;
- ids are UUIDv7 made from each row's own timestamp (keyset paging by id = by time), and the
  order/shipment/invoice counters are moved past the history so the services continue them.

Not written: outbox events (nothing pages read), reservations (no bulk order is still waiting
for stock). `pesanan audit` passes on the result (bench/seed_volume.py runs it).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pesanan.billing.queries import invoice_number
from pesanan.core.money import quantize_minor
from pesanan.demo import data
from pesanan.fulfillment.queries import shipment_number
from pesanan.ledger import postings
from pesanan.orders.pricing import price_line, totals
from pesanan.orders.queries import order_number

H = timedelta(hours=1)
MS = timedelta(milliseconds=1)
FIRST = ("Siti", "Budi", "Dewi", "Agus", "Rina", "Made", "Putri", "Yusuf", "Nur", "Andi",
         "Maria", "Hendra", "Wayan", "Ketut", "Ayu", "Rizky", "Fitri", "Bayu", "Intan", "Dimas")
LAST = ("Santoso", "Lestari", "Wijaya", "Kartika", "Suardana", "Hidayat", "Pratama", "Gunawan",
        "Simanjuntak", "Saputra", "Nasution", "Siregar", "Halim", "Kusuma", "Wibowo", "Utami")
PAY_METHOD = {"card": "card", "cod": "cod", "cash": "cash", "bank_transfer": "bank_transfer",
              "invoice": "bank_transfer"}


def id_at(ts: datetime) -> str:
    """A UUIDv7 for the time `ts` (random bits below the millisecond, so no collisions)."""
    ms = int(ts.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = ((ms << 80) | (0x7 << 76) | ((rand >> 64) & 0xFFF) << 64 | (0b10 << 62)
             | (rand & 0x3FFF_FFFF_FFFF_FFFF))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Buyer:
    id: str
    kind: str
    payment_preference: str


@dataclass
class World:
    """What the history refers to, and the counters it advances."""

    currency: str
    products: list[Product]
    warehouse_id: str
    store_id: str
    buyers: list[Buyer]
    regulars: list[Buyer]
    order_no: int = 0
    shipment_no: int = 0
    invoice_seq: Counter[int] = field(default_factory=Counter)  # year -> last seq
    shipped_units: Counter[str] = field(default_factory=Counter)  # product id -> units


Rows = dict[str, list[dict[str, Any]]]  # table name -> rows


def customers(rng: random.Random, n: int, ts: datetime) -> tuple[Rows, list[Buyer]]:
    """`n` customers with one address each; about 1 in 20 is a business buying on invoice."""
    rows: Rows = {"customer": [], "address": []}
    buyers = []
    for i in range(n):
        b2b = rng.random() < 0.05
        name = (f"PT {rng.choice(LAST)} {rng.choice(('Niaga', 'Jaya', 'Makmur'))} {i}" if b2b
                else f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        pref = "invoice" if b2b else rng.choice(("card", "card", "cod", "bank_transfer", "cash"))
        cid = id_at(ts + i * MS)
        rows["customer"].append({
            "id": cid, "name": name, "email": f"buyer{i}@bulk.example",
            "phone": f"+62813{rng.randrange(10**7):07d}", "kind": "b2b" if b2b else "b2c",
            "payment_preference": pref, "credit_limit": Decimal(50_000_000) if b2b else None,
            "created_at": ts})
        rows["address"].append({
            "id": id_at(ts + i * MS), "customer_id": cid, "kind": "shipping",
            "line1": f"Jl. Merdeka No. {rng.randint(1, 300)}", "line2": None,
            "city": rng.choice(data.CITIES), "region": None, "postal_code": None,
            "country": "ID", "is_default": True})
        buyers.append(Buyer(cid, "b2b" if b2b else "b2c", pref))
    return rows, buyers


def new_rows() -> Rows:
    return {t: [] for t in ("sales_order", "order_line", "order_event", "shipment",
                            "shipment_line", "stock_movement", "invoice", "payment",
                            "journal_entry", "journal_line")}


def pick_buyer(w: World, rng: random.Random) -> Buyer:
    """One order in twenty comes from the demo shop's own regulars, so they have long
    histories (the customer profile's worst case); the rest from the crowd."""
    return rng.choice(w.regulars if rng.random() < 0.05 else w.buyers)


def order(rows: Rows, w: World, rng: random.Random, ts: datetime, buyer: Buyer,
          fate: str) -> None:
    """One order placed at `ts`; fate is completed | unpaid | cancelled."""
    channel = rng.choices(("web", "pos", "phone"), (6, 2, 2))[0]
    w.order_no += 1
    oid = id_at(ts)
    lines = order_lines(w, rng, oid, ts, shipped=fate != "cancelled")
    o = order_row(w, rng, oid, ts, buyer, channel, fate, lines)
    rows["sales_order"].append(o)
    rows["order_line"].extend({k: v for k, v in x.items() if not k.startswith("_")}
                              for x in lines)
    event(rows, oid, ts, "order.placed", f"Order placed via {channel} ({len(lines)} lines, "
          f"{o['total']} {w.currency})", field_="status", to="open")
    if fate == "cancelled":
        event(rows, oid, ts + 2 * H, "status.changed", "Order cancelled: customer changed "
              f"their mind ({sum(x['quantity'] for x in lines)} reserved units released)",
              field_="status", frm="open", to="cancelled")
        o["updated_at"] = ts + 2 * H
        return
    ship(rows, w, rng, o, lines, ts + 20 * H)
    paid_at = ts + (22 if buyer.payment_preference == "card" else 70) * H
    bill(rows, w, o, buyer, ts + 21 * H, paid_at)


def order_lines(w: World, rng: random.Random, oid: str, ts: datetime, shipped: bool
                ) -> list[dict[str, Any]]:
    """1-4 distinct SKUs, 1-3 units each, priced by orders.pricing (tax half-up per line)."""
    lines = []
    for n, p in enumerate(rng.sample(w.products, rng.randint(1, 4)), 1):
        priced = price_line(p.price, rng.randint(1, 3), p.tax_rate, w.currency)
        lines.append({"id": id_at(ts + n * MS), "order_id": oid, "line_no": n,
                      "product_id": p.id, "sku": p.sku, "name": p.name,
                      "quantity": priced.quantity,
                      "quantity_shipped": priced.quantity if shipped else 0,
                      "unit_price": p.price, "tax_rate": p.tax_rate, "subtotal": priced.subtotal,
                      "tax": priced.tax, "total": priced.total, "_priced": priced, "_p": p})
    return lines


def order_row(w: World, rng: random.Random, oid: str, ts: datetime, buyer: Buyer, channel: str,
              fate: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    sums = totals([x["_priced"] for x in lines])
    keyed = channel != "web"
    return {
        "id": oid, "number": w.order_no, "channel": channel, "customer_id": buyer.id,
        "currency": w.currency,
        "status": {"completed": "completed", "unpaid": "open", "cancelled": "cancelled"}[fate],
        "financial_status": "paid" if fate == "completed" else "pending",
        "fulfillment_status": "unfulfilled" if fate == "cancelled" else "fulfilled",
        "subtotal": sums.subtotal, "tax_total": sums.tax_total, "total": sums.total,
        "amount_invoiced": Decimal(0) if fate == "cancelled" else sums.total,
        "amount_paid": sums.total if fate == "completed" else Decimal(0),
        "keyed_by": rng.choice(data.STAFF[channel]) if keyed else None,
        "keyed_at_location_id": (w.store_id if channel == "pos" else w.warehouse_id)
        if keyed else None,
        "shipping_address": None if channel == "pos" else {
            "name": "Penerima", "line1": "Jl. Merdeka No. 1", "city": "Jakarta",
            "country": "ID"},
        "note": None, "version": 1, "placed_at": ts, "updated_at": ts,
    }


def event(rows: Rows, order_id: str, ts: datetime, kind: str, message: str, *,
          field_: str | None = None, frm: str | None = None, to: str | None = None) -> None:
    rows["order_event"].append({"id": id_at(ts), "order_id": order_id, "kind": kind,
                                "field": field_, "from_status": frm, "to_status": to,
                                "message": message, "actor": "demo", "occurred_at": ts})


def entry(rows: Rows, w: World, ts: datetime, memo: str, source: tuple[str, str],
          order_id: str | None, lines: list[postings.Line]) -> None:
    postings.check_balanced(lines)
    eid = id_at(ts)
    rows["journal_entry"].append({"id": eid, "currency": w.currency, "memo": memo,
                                  "source_type": source[0], "source_id": source[1],
                                  "order_id": order_id, "occurred_at": ts})
    rows["journal_line"].extend({"id": id_at(ts + n * MS), "entry_id": eid,
                                 "account_code": x.account, "debit": x.debit,
                                 "credit": x.credit} for n, x in enumerate(lines))


def ship(rows: Rows, w: World, rng: random.Random, o: dict[str, Any],
         lines: list[dict[str, Any]], ts: datetime) -> None:
    """Everything from the warehouse in one shipment, delivered two days later."""
    w.shipment_no += 1
    sid, number = id_at(ts), shipment_number(w.shipment_no)
    service = rng.choice(("parcel", "parcel", "LTL"))
    carrier = rng.choice(data.carriers_for(service)).code
    tracking = f"{carrier[:3].upper()}{w.shipment_no:09d}"
    rows["shipment"].append({"id": sid, "number": w.shipment_no, "order_id": o["id"],
                             "location_id": w.warehouse_id, "carrier": carrier,
                             "service": service, "tracking_number": tracking,
                             "status": "delivered", "shipped_at": ts,
                             "delivered_at": ts + 48 * H})
    for n, x in enumerate(lines, 1):
        p: Product = x["_p"]
        rows["shipment_line"].append({"id": id_at(ts + n * MS), "shipment_id": sid,
                                      "order_line_id": x["id"], "product_id": p.id,
                                      "quantity": x["quantity"], "unit_cost": p.cost})
        rows["stock_movement"].append({
            "id": id_at(ts + n * MS), "product_id": p.id, "location_id": w.warehouse_id,
            "quantity": -x["quantity"], "kind": "shipment", "reason": None,
            "reference_type": "shipment", "reference_id": sid, "unit_cost": p.cost,
            "created_at": ts})
        w.shipped_units[p.id] += x["quantity"]
    cost = quantize_minor(sum((x["_p"].cost * x["quantity"] for x in lines), Decimal(0)),
                          w.currency)
    entry(rows, w, ts, f"Cost of goods sold, {number} for {order_number(o['number'])}",
          ("shipment", sid), o["id"], postings.goods_shipped(cost))
    units = sum(x["quantity"] for x in lines)
    event(rows, o["id"], ts, "shipment.shipped", f"Shipped {number}: {units} unit(s) via "
          f"{carrier} {service}, tracking {tracking}")
    event(rows, o["id"], ts + MS, "fulfillment_status.changed",
          "fulfillment status: unfulfilled -> fulfilled", field_="fulfillment_status",
          frm="unfulfilled", to="fulfilled")
    event(rows, o["id"], ts + 48 * H, "shipment.delivered",
          f"Delivered {number} ({carrier}, tracking {tracking})")


def bill(rows: Rows, w: World, o: dict[str, Any], buyer: Buyer, ts: datetime,
         paid_at: datetime) -> None:
    """The invoice for the whole order; the payment and completion when it is paid."""
    w.invoice_seq[ts.year] += 1
    iid, number = id_at(ts), invoice_number(ts.year, w.invoice_seq[ts.year])
    paid = o["status"] == "completed"
    total = o["total"]
    rows["invoice"].append({
        "id": iid, "number": number, "year": ts.year, "seq": w.invoice_seq[ts.year],
        "order_id": o["id"], "customer_id": o["customer_id"], "currency": w.currency,
        "subtotal": o["subtotal"], "tax_total": o["tax_total"], "total": total,
        "amount_paid": total if paid else Decimal(0), "status": "paid" if paid else "issued",
        "issued_at": ts, "due_at": ts + timedelta(days=30) if buyer.kind == "b2b" else ts})
    entry(rows, w, ts, f"Invoice {number} for {order_number(o['number'])}", ("invoice", iid),
          o["id"], postings.invoice_issued(o["subtotal"], o["tax_total"]))
    event(rows, o["id"], ts, "invoice.issued", f"Invoice {number} issued: {total} {w.currency}")
    o["updated_at"] = ts + 48 * H
    if not paid:
        return
    pid = id_at(paid_at)
    method = PAY_METHOD[buyer.payment_preference]
    rows["payment"].append({"id": pid, "order_id": o["id"], "invoice_id": iid, "amount": total,
                            "currency": w.currency, "method": method, "reference": None,
                            "received_at": paid_at})
    entry(rows, w, paid_at, f"Payment ({method}) for {order_number(o['number'])}",
          ("payment", pid), o["id"], postings.payment_recorded(total))
    event(rows, o["id"], paid_at, "payment.recorded",
          f"Payment of {total} {w.currency} by {method}")
    event(rows, o["id"], paid_at + MS, "financial_status.changed",
          "financial status: pending -> paid", field_="financial_status", frm="pending",
          to="paid")
    done = max(paid_at, ts - H + 48 * H) + 2 * MS
    event(rows, o["id"], done, "status.changed", "Order completed: delivered and paid",
          field_="status", frm="open", to="completed")
    o["updated_at"] = done


def receipts(w: World, ts: datetime) -> Rows:
    """Stock in at the start of the history for exactly what the history ships out."""
    rows: Rows = {"stock_movement": [], "journal_entry": [], "journal_line": []}
    by_id = {p.id: p for p in w.products}
    for n, (pid, units) in enumerate(sorted(w.shipped_units.items())):
        p = by_id[pid]
        at = ts + n * MS
        mid = id_at(at)
        rows["stock_movement"].append({
            "id": mid, "product_id": pid, "location_id": w.warehouse_id, "quantity": units,
            "kind": "receipt", "reason": "bench seed: a year of receipts in one row",
            "reference_type": "bench_seed", "reference_id": mid, "unit_cost": p.cost,
            "created_at": at})
        entry(rows, w, at, f"Goods received {p.sku} (bench seed history)", ("bench_seed", mid),
              None, postings.goods_received(quantize_minor(p.cost * units, w.currency)))
    return rows
