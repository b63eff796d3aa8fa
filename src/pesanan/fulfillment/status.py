"""Fulfilment order statuses and the rules between them (pure: no database, no web).

    open -pick-> picking -pack-> packed -ship-> shipped -deliver-> delivered
    packed -unpack-> picking;  ship some -> partially_shipped -ship the rest-> shipped
    open | picking -withdraw (cancel, hold, edit)-> cancelled
    any shipment failed -> failed_delivery (until it is delivered after all)

Shipping is allowed from open, picking and packed too (a clerk who ships straight from the
shelf skips the steps), and from partially_shipped / failed_delivery while units are left.
After a shipment moves, the status is *derived* from the units shipped and the shipments'
statuses (`after_shipments`), so it cannot drift from them.

A failed delivery (the carrier could not deliver: refused, wrong address, lost) does not put
stock back: the goods are not on a shelf again until they physically return, which is a return
(RMA) or a stock adjustment. The shipment can still be marked delivered later (a redelivery
succeeded); until then the order cannot complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class FOStatus(StrEnum):
    OPEN = "open"
    PICKING = "picking"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    FAILED_DELIVERY = "failed_delivery"
    CANCELLED = "cancelled"


# Warehouse steps before anything leaves.
NOT_STARTED = frozenset({FOStatus.OPEN, FOStatus.PICKING})
PRE_SHIPMENT = frozenset({FOStatus.OPEN, FOStatus.PICKING, FOStatus.PACKED})
# A withdrawal (cancel, hold, edit) refuses these: boxed or partly gone, a person must decide.
IN_SHIPPING = frozenset({FOStatus.PACKED, FOStatus.PARTIALLY_SHIPPED})
# Statuses the queue shows as work to do.
ACTIVE = frozenset({FOStatus.OPEN, FOStatus.PICKING, FOStatus.PACKED,
                    FOStatus.PARTIALLY_SHIPPED})

# Manual steps: (from, to) pairs a person may ask for.
STEPS: dict[str, tuple[frozenset[FOStatus], FOStatus]] = {
    "pick": (frozenset({FOStatus.OPEN}), FOStatus.PICKING),
    "pack": (frozenset({FOStatus.OPEN, FOStatus.PICKING}), FOStatus.PACKED),
    "unpack": (frozenset({FOStatus.PACKED}), FOStatus.PICKING),
}

SHIPMENT_SHIPPED = "shipped"
SHIPMENT_DELIVERED = "delivered"
SHIPMENT_FAILED = "failed"


def step_target(step: str, current: str) -> FOStatus:
    """The status a manual step leads to, or ValueError naming why it cannot."""
    allowed, target = STEPS[step]
    if FOStatus(current) not in allowed:
        raise ValueError(f"a {current} fulfilment order cannot be {_past(step)}")
    return target


def _past(step: str) -> str:
    return {"pick": "picked", "pack": "packed", "unpack": "unpacked"}[step]


def can_ship(current: str) -> bool:
    return FOStatus(current) not in (FOStatus.CANCELLED, FOStatus.DELIVERED, FOStatus.SHIPPED)


def after_shipments(current: str, quantity: int, shipped: int,
                    shipment_statuses: Iterable[str]) -> FOStatus:
    """The status implied by units shipped and the shipments' statuses."""
    cur = FOStatus(current)
    if cur is FOStatus.CANCELLED or shipped == 0:
        return cur
    statuses = list(shipment_statuses)
    if SHIPMENT_FAILED in statuses:
        return FOStatus.FAILED_DELIVERY
    if shipped < quantity:
        return FOStatus.PARTIALLY_SHIPPED
    if statuses and all(s == SHIPMENT_DELIVERED for s in statuses):
        return FOStatus.DELIVERED
    return FOStatus.SHIPPED
