"""RMA statuses and their allowed transitions (pure).

requested -> approved -> received -> refunded | exchanged -> closed; requested or approved ->
rejected. Goods that arrived are never "rejected": once received the customer is credited.
"""

from __future__ import annotations

from enum import StrEnum

from pesanan.core.errors import InvalidTransition


class RmaStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    CLOSED = "closed"


class Disposition(StrEnum):
    RESTOCK = "restock"  # back into on hand where received, at the cost it shipped at
    QUARANTINE = "quarantine"  # ours, valued the same, but not sellable until inspected
    SCRAP = "scrap"  # thrown away: no stock, its cost stays in COGS


TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"approved", "rejected"}),
    "approved": frozenset({"received", "rejected"}),
    "received": frozenset({"refunded", "exchanged"}),
    "refunded": frozenset({"closed"}),
    "exchanged": frozenset({"closed"}),
    "rejected": frozenset(),
    "closed": frozenset(),
}
# Statuses whose lines count against what may still be returned (a rejected RMA gives its
# units back to the order line).
COUNTS_AGAINST_DELIVERED = frozenset(s for s in TRANSITIONS if s != "rejected")
# The units that come back into our books (ledger Dr inventory / Cr COGS) by disposition.
VALUED_BACK = frozenset({Disposition.RESTOCK, Disposition.QUARANTINE})


def can(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check(current: str, target: str, label: str = "return") -> None:
    if not can(current, target):
        raise InvalidTransition(f"{label} is {current} and cannot become {target}")


def returnable(delivered: int, already_returned: int) -> int:
    """Units of an order line that a new return may still ask for."""
    return max(delivered - already_returned, 0)
