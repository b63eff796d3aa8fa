"""Sourcing dry run: the plan an order would get, with its reasons, reserving nothing (a flow:
it reads the catalogue with the stock, flows/availability.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection

from pesanan.core.schema import Country, Input, Quantity
from pesanan.flows.availability import OrderPlan, plan_order
from pesanan.inventory.allocation import ShipTo


class PlanLine(Input):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity


class ShipToIn(Input):
    country: Country
    region: str | None = Field(default=None, max_length=100)


class PlanRequest(Input):
    """The lines, channel and ship-to of an order (a shipping address works as ship_to)."""
    lines: list[PlanLine] = Field(min_length=1, max_length=1000)
    channel: Literal["web", "pos", "phone"] = "web"
    ship_to: ShipToIn | None = None
    preferred_location_id: str | None = Field(default=None, max_length=36)


def dry_run(conn: Connection, cmd: PlanRequest) -> dict[str, Any]:
    """Plan without writing. A line that could be neither reserved nor backordered is reported
    (`feasible: false`, its `short`) rather than refused, so the plan shows why."""
    ship_to = ShipTo(cmd.ship_to.country, cmd.ship_to.region) if cmd.ship_to else None
    plan = plan_order(conn, [x.model_dump() for x in cmd.lines], channel=cmd.channel,
                      ship_to=ship_to, preferred_location_id=cmd.preferred_location_id,
                      strict=False)
    return plan_view(plan)


def plan_view(plan: OrderPlan) -> dict[str, Any]:
    code = {loc_id: loc.code for loc_id, loc in plan.locations.items()}
    backordered = {line_id: q for _, q, line_id in plan.backorders}
    lines = []
    for i, lp in enumerate(plan.plan.lines):
        bo = backordered.get(lp.line.key, 0)
        lines.append({
            "line_no": i + 1, "sku": lp.line.sku, "quantity": lp.line.quantity,
            "picks": [{"location_id": p.location_id, "location_code": code[p.location_id],
                       "quantity": p.quantity} for p in lp.picks],
            "backorder": bo, "short": lp.short - bo, "reason": lp.reason,
        })
    return {
        "feasible": not plan.refused,
        "shipments": len(plan.plan.location_ids),
        "locations": [{"location_id": x, "location_code": code[x]}
                      for x in plan.plan.location_ids],
        "split": plan.split,
        "reasons": plan.reasons + [e.message for e in plan.refused],
        "lines": lines,
    }
