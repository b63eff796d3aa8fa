"""Returns in the demo: now and then a customer who paid by card sends one unit back.

The return goes the whole way, a command per step as a clerk would do it: requested and
approved the day the customer writes, received at the location that shipped it two days later
(restocked, or quarantined when it came back damaged), then refunded to the card.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.returns import service as returns
from pesanan.returns.schemas import (
    Decide,
    ReceivedLineIn,
    ReceiveReturn,
    RefundReturn,
    RequestReturn,
    ReturnLineIn,
)

SHARE = 0.15  # of card-paid deliveries (apparel shops see 10-30 %)
REASONS = ("wrong size", "not as pictured", "changed mind", "arrived damaged")


def request(conn: Connection, shipment: dict[str, Any], rng: random.Random,
            actor: Actor) -> dict[str, Any]:
    """Request and approve the return of one unit of the shipment's first line."""
    line = shipment["lines"][0]
    rma = returns.request_return(conn, RequestReturn(order_id=shipment["order_id"], lines=[
        ReturnLineIn(order_line_id=line["order_line_id"], quantity=1,
                     reason=rng.choice(REASONS))]), actor)
    return returns.approve_return(conn, rma["id"], Decide(), actor)


def receive(conn: Connection, rma: dict[str, Any], location_id: str, actor: Actor) -> None:
    damaged = rma["lines"][0]["reason"] == "arrived damaged"
    returns.receive_return(conn, rma["id"], ReceiveReturn(location_id=location_id, lines=[
        ReceivedLineIn(rma_line_id=x["id"], disposition="quarantine" if damaged else "restock")
        for x in rma["lines"]]), actor)


def refund(conn: Connection, rma_id: str, actor: Actor) -> None:
    returns.refund_return(conn, rma_id, RefundReturn(method="card"), actor)
