"""Shipment planning (pure): how many units of which order line leave from which location.

Two steps. `units_to_ship` turns the request into {order line id: units}, refusing anything
beyond what each line has left to ship. `picks_by_location` then draws those units from the
lines' open reservations, because stock must leave from where it was reserved; a request whose
reservations sit in several locations becomes one shipment per location.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pesanan.core.errors import Conflict, Invalid, InvalidTransition


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: str
    sku: str
    quantity: int
    shipped: int

    @property
    def unshipped(self) -> int:
        return self.quantity - self.shipped


@dataclass(frozen=True, slots=True)
class Wanted:
    """One requested line: by order line id, or by SKU (filled in line order)."""

    order_line_id: str | None
    sku: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class Held:
    """An open reservation: units of an order line held at a location."""

    order_line_id: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Pick:
    location_id: str
    order_line_id: str
    quantity: int


def units_to_ship(lines: Sequence[OrderLine], wanted: Sequence[Wanted] | None
                  ) -> dict[str, int]:
    """{order line id: units} for the request; every error names the request line at fault."""
    if wanted is None:
        everything = {x.id: x.unshipped for x in lines if x.unshipped > 0}
        if not everything:
            raise InvalidTransition("the order has nothing left to ship")
        return everything
    left = {x.id: x.unshipped for x in lines}
    by_sku: dict[str, list[str]] = {}
    for x in lines:  # lines arrive in line order, so a SKU fills its first line first
        by_sku.setdefault(x.sku, []).append(x.id)
    out: dict[str, int] = {}
    inv = Invalid()
    for i, w in enumerate(wanted):
        if w.order_line_id is not None:
            targets = [w.order_line_id] if w.order_line_id in left else []
            ref = ("order_line_id", f"no line {w.order_line_id} on this order")
        else:
            targets = by_sku.get(w.sku or "", [])
            ref = ("sku", f"SKU {w.sku} is not on this order")
        if not targets:
            inv.add(f"lines[{i}].{ref[0]}", "not_on_order", ref[1])
            continue
        free = sum(left[t] for t in targets)
        if w.quantity > free:
            inv.add(f"lines[{i}].quantity", "exceeds_unshipped",
                    f"{w.quantity} requested, {free} left to ship")
            continue
        need = w.quantity
        for t in targets:
            take = min(need, left[t])
            left[t] -= take
            need -= take
            if take:
                out[t] = out.get(t, 0) + take
    inv.raise_if_any("The shipment asks for more than the order has left to ship")
    return out


def picks_by_location(units: dict[str, int], held: Sequence[Held]) -> list[Pick]:
    """Draw each line's units from its reservations. A location already in the plan is taken
    first, then the one holding most, so a request spreads over as few shipments as it can."""
    at: dict[tuple[str, str], int] = {}
    for h in held:
        at[(h.order_line_id, h.location_id)] = at.get((h.order_line_id, h.location_id), 0) \
            + h.quantity
    used: set[str] = set()
    picks: list[Pick] = []
    for line_id, quantity in units.items():
        mine = [Held(line, loc, q) for (line, loc), q in at.items() if line == line_id and q > 0]
        if sum(h.quantity for h in mine) < quantity:
            # Unshipped units of an open order are always reserved; if not, the books are off.
            raise Conflict(f"order line {line_id} has fewer units reserved than left to ship "
                           "(run pesanan audit)")
        mine.sort(key=lambda h: (h.location_id not in used, -h.quantity, h.location_id))
        need = quantity
        for h in mine:
            take = min(need, h.quantity)
            picks.append(Pick(h.location_id, line_id, take))
            used.add(h.location_id)
            need -= take
            if need == 0:
                break
    return picks
