"""Receive a purchase order: stock in (purchasing and inventory), then the open backorders take
the new units oldest first and go to fulfilment (flows/backorders.py), then the receipt is
booked (ledger, the PO's status, the event) — all in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.flows import backorders
from pesanan.purchasing import receiving
from pesanan.purchasing.schemas import ReceivePurchaseOrder


def receive_purchase_order(conn: Connection, po_id: str, cmd: ReceivePurchaseOrder,
                           actor: Actor) -> dict[str, Any]:
    receipt = receiving.take_in(conn, po_id, cmd)
    # Backorders only after every line is in: stock rows are locked before backorder and
    # product rows (inventory/backorders.py lock order).
    location_id = receipt.po["location_id"]
    for line in receipt.taken:
        backorders.release_on_receipt(conn, line["product_id"], location_id,
                                      receipt.wanted[line["id"]])
    return receiving.book(conn, receipt, actor)
