"""Purchase order statuses and their allowed transitions (pure)."""

from __future__ import annotations

from enum import StrEnum

from pesanan.core.errors import InvalidTransition


class POStatus(StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


# Statuses whose outstanding quantity is still coming: replenish counts it as incoming.
OPEN = frozenset({POStatus.DRAFT, POStatus.ORDERED, POStatus.PARTIALLY_RECEIVED})

TRANSITIONS: dict[POStatus, frozenset[POStatus]] = {
    # A draft can be received directly: small shops often skip the "sent to supplier" step.
    POStatus.DRAFT: frozenset({POStatus.ORDERED, POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED,
                               POStatus.CANCELLED}),
    POStatus.ORDERED: frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED,
                                 POStatus.CANCELLED}),
    # Goods are in stock and owed for: a partly received order can only be received in full.
    POStatus.PARTIALLY_RECEIVED: frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED}),
    POStatus.RECEIVED: frozenset(),
    POStatus.CANCELLED: frozenset(),
}


def check(current: str, target: str) -> None:
    if POStatus(target) not in TRANSITIONS[POStatus(current)]:
        raise InvalidTransition(f"a {current} purchase order cannot become {target}")


def after_receipt(outstanding_after: int) -> POStatus:
    """The status once a receipt leaves `outstanding_after` units still to come."""
    if outstanding_after < 0:
        raise ValueError("received more than was ordered")
    return POStatus.RECEIVED if outstanding_after == 0 else POStatus.PARTIALLY_RECEIVED
