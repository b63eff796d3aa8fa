"""Holds, hold rules and order edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.flows import edit as edit_flow
from pesanan.flows import holds as hold_flow
from pesanan.orders import edits, hold_settings, holds
from pesanan.orders.schemas import (
    CancelHeldOrder,
    EditOrder,
    HoldOrder,
    HoldRuleCreate,
    HoldRuleUpdate,
    ReleaseHold,
)

router = APIRouter(tags=["orders"])
Reader = Annotated[Actor, Depends(require("orders:read"))]
Writer = Annotated[Actor, Depends(require("orders:write"))]
Admin = Annotated[Actor, Depends(require("settings:write"))]
AdminReader = Annotated[Actor, Depends(require("settings:read"))]


@router.post("/orders/{order_id}/hold", response_model=out.HeldOrderOut)
def hold_order(order_id: str, body: HoldOrder, request: Request, actor: Writer) -> Response:
    """Put an open order on hold with a reason; its unshipped goods stay reserved."""
    return commands.run(request, actor, lambda c: hold_flow.hold_order(c, order_id, body, actor),
                        body=body)


@router.post("/orders/{order_id}/release", response_model=out.HeldOrderOut)
def release_hold(order_id: str, request: Request, actor: Writer,
                 body: ReleaseHold | None = None) -> Response:
    """Release a held order: its reasons are cleared and it goes to fulfilment."""
    cmd = body or ReleaseHold()
    return commands.run(request, actor, lambda c: hold_flow.release_hold(c, order_id, cmd, actor),
                        body=cmd)


@router.post("/orders/{order_id}/cancel-held", response_model=out.HeldOrderOut)
def cancel_held(order_id: str, body: CancelHeldOrder, request: Request, actor: Writer
                ) -> Response:
    """The review queue's cancel: only for an order on hold, with a note."""
    return commands.run(request, actor, lambda c: hold_flow.cancel_held(c, order_id, body, actor),
                        body=body)


@router.get("/orders/{order_id}/holds")
def order_holds(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return {"items": holds.order_with_holds(conn, order_id)["holds"], "next_cursor": None}


@router.get("/holds")
def review_queue(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
                 ) -> dict[str, Any]:
    """Held orders with their active reasons, the longest-waiting first."""
    return holds.list_holds(conn, limit=limit, cursor=cursor)


@router.post("/orders/{order_id}/edits", response_model=out.EditedOrderOut)
def edit_order(order_id: str, body: EditOrder, request: Request, actor: Writer) -> Response:
    """Edit a placed order (versioned, re-priced, re-reserved): answers the order with the new
    `revision`. `expected_version` stale -> 409; not enough stock -> 409, nothing changed."""
    return commands.run(request, actor, lambda c: edit_flow.edit_order(c, order_id, body, actor),
                        body=body)


@router.get("/orders/{order_id}/revisions")
def revisions(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return edits.list_revisions(conn, order_id)


@router.get("/hold-rules")
def list_rules(conn: ReadConn, _: AdminReader) -> dict[str, Any]:
    return hold_settings.list_rules(conn)


@router.get("/hold-rules/{rule_id}")
def get_rule(rule_id: str, conn: ReadConn, _: AdminReader) -> dict[str, Any]:
    return hold_settings.get_rule(conn, rule_id)


@router.post("/hold-rules", status_code=201, response_model=out.HoldRuleOut)
def create_rule(body: HoldRuleCreate, request: Request, actor: Admin) -> Response:
    return commands.run(request, actor, lambda c: hold_settings.create_rule(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/hold-rules/{r['id']}")


@router.patch("/hold-rules/{rule_id}", response_model=out.HoldRuleOut)
def update_rule(rule_id: str, body: HoldRuleUpdate, request: Request, actor: Admin
                ) -> Response:
    """Change parameters, enable or disable (a rule is never deleted: holds name it)."""
    return commands.run(request, actor, lambda c: hold_settings.update_rule(c, rule_id, body),
                        body=body)
