"""Reorder decisions (pure): which SKU at which location needs buying, how many, from whom.

The rule, in one place:
- A SKU at a location needs buying when its stock position — available (on hand - reserved)
  plus incoming (ordered on open purchase orders, not yet received) — is below its reorder point.
- It orders `reorder_qty`, or more when that alone would not bring the position back up to the
  reorder point (a deep shortfall orders exactly the shortfall).
- The offer is the cheapest whose minimum order quantity (MOQ) that quantity meets; when no
  offer's MOQ is met, the cheapest offer, with the quantity raised to its MOQ. Ties go to the
  shorter lead time, then to the lower supplier and offer ids, so a plan is reproducible.
- Lines are grouped into one draft order per (supplier, location).

Because incoming counts what earlier runs drafted, and every drafted quantity brings the position
to at least the reorder point, running the plan again on the result drafts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    supplier_id: str
    price: Decimal
    lead_time_days: int
    min_order_qty: int


@dataclass(frozen=True, slots=True)
class Position:
    """The stock position of one SKU at one location, with its reorder rule."""

    product_id: str
    location_id: str
    available: int
    incoming: int
    reorder_point: int
    reorder_qty: int
    sku: str = ""  # for people reading a plan; decisions use product_id


@dataclass(frozen=True, slots=True)
class Line:
    product_id: str
    quantity: int
    offer: Offer


@dataclass(frozen=True, slots=True)
class Draft:
    supplier_id: str
    location_id: str
    lines: tuple[Line, ...]

    @property
    def lead_time_days(self) -> int:
        """The order is expected when its slowest line is."""
        return max(line.offer.lead_time_days for line in self.lines)


@dataclass(frozen=True, slots=True)
class Plan:
    drafts: tuple[Draft, ...]
    unsourced: tuple[Position, ...]  # below the reorder point but no supplier offers the SKU


def needed_quantity(available: int, incoming: int, reorder_point: int, reorder_qty: int) -> int:
    """Units to order (before MOQ); 0 when the position is at or above the reorder point."""
    position = available + incoming
    if position >= reorder_point:
        return 0
    return max(reorder_qty, reorder_point - position)


def _rank(offer: Offer) -> tuple[Decimal, int, str, str]:
    return (offer.price, offer.lead_time_days, offer.supplier_id, offer.id)


def choose_offer(quantity: int, offers: Sequence[Offer]) -> tuple[Offer, int] | None:
    """(offer, quantity to order) for `quantity` wanted units, or None when nobody offers it."""
    if quantity < 1:
        raise ValueError("choose an offer for a positive quantity")
    if not offers:
        return None
    meeting = [o for o in offers if o.min_order_qty <= quantity]
    if meeting:
        return min(meeting, key=_rank), quantity
    # Nobody sells this few: buy the cheapest offer's minimum rather than pay more per unit.
    cheapest = min(offers, key=_rank)
    return cheapest, cheapest.min_order_qty


def plan(positions: Iterable[Position], offers: Mapping[str, Sequence[Offer]]) -> Plan:
    """Draft orders for every position below its reorder point; `offers` by product id."""
    grouped: dict[tuple[str, str], list[Line]] = {}
    unsourced: list[Position] = []
    for pos in sorted(positions, key=lambda p: (p.product_id, p.location_id)):
        wanted = needed_quantity(pos.available, pos.incoming, pos.reorder_point, pos.reorder_qty)
        if wanted == 0:
            continue
        chosen = choose_offer(wanted, offers.get(pos.product_id, ()))
        if chosen is None:
            unsourced.append(pos)
            continue
        offer, quantity = chosen
        grouped.setdefault((offer.supplier_id, pos.location_id), []).append(
            Line(pos.product_id, quantity, offer))
    drafts = tuple(Draft(s, loc, tuple(lines)) for (s, loc), lines in sorted(grouped.items()))
    return Plan(drafts, tuple(unsourced))
