"""Allocation (pure): which locations a line's quantity is reserved from.

Rules, in order: a preferred location (the store of a POS sale) if it can fill the whole line;
otherwise the single location that can fill it with the most available (fewest splits, keeps
small stocks for small orders); otherwise split across locations by most available first.
Quantity no location set can cover is a shortage, reported per line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pick:
    location_id: str
    quantity: int


def allocate(
    quantity: int, available: dict[str, int], preferred: str | None = None
) -> tuple[list[Pick], int]:
    """Return (picks, shortage). `available` maps location id to units available there."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if preferred is not None and available.get(preferred, 0) >= quantity:
        return [Pick(preferred, quantity)], 0
    # Deterministic order: most available first, then by id, so equal inputs give equal plans.
    ranked = sorted(
        ((loc, qty) for loc, qty in available.items() if qty > 0), key=lambda x: (-x[1], x[0])
    )
    if ranked and ranked[0][1] >= quantity:
        return [Pick(ranked[0][0], quantity)], 0
    picks: list[Pick] = []
    remaining = quantity
    for loc, qty in ranked:
        take = min(qty, remaining)
        picks.append(Pick(loc, take))
        remaining -= take
        if remaining == 0:
            break
    return picks, remaining
