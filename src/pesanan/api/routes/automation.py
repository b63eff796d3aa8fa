"""Automation rules: "when EVENT and CONDITIONS then ACTIONS" (settings, admin only), and what
each rule did (its runs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.automation import queries, service
from pesanan.automation.schemas import RuleCreate, RuleUpdate
from pesanan.core.actor import Actor

router = APIRouter(prefix="/automation", tags=["automation"])
Admin = Annotated[Actor, Depends(require("settings:write"))]
AdminReader = Annotated[Actor, Depends(require("settings:read"))]


class RuleOut(BaseModel):
    """For the OpenAPI document only (see api/responses.py)."""

    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    enabled: bool
    trigger: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    created_at: str
    updated_at: str


@router.get("/rules")
def list_rules(conn: ReadConn, _: AdminReader) -> dict[str, Any]:
    """Every rule (there are few), by name: the order they run in for one event."""
    return queries.list_rules(conn)


@router.post("/rules", status_code=201, response_model=RuleOut)
def create_rule(body: RuleCreate, request: Request, actor: Admin) -> Response:
    """A rule acts on events after it is made. An unknown trigger, a bad condition or an
    action that does not fit the trigger -> 422 naming it; nothing is created."""
    return commands.run(request, actor, lambda c: service.create_rule(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/automation/rules/{r['id']}")


@router.get("/rules/{rule_id}")
def get_rule(rule_id: str, conn: ReadConn, _: AdminReader) -> dict[str, Any]:
    return queries.get_rule(conn, rule_id)


@router.patch("/rules/{rule_id}", response_model=RuleOut)
def update_rule(rule_id: str, body: RuleUpdate, request: Request, actor: Admin) -> Response:
    """Rename, enable or disable, or replace the trigger, conditions or actions."""
    return commands.run(request, actor, lambda c: service.update_rule(c, rule_id, body),
                        body=body)


@router.delete("/rules/{rule_id}", response_model=RuleOut)
def delete_rule(rule_id: str, request: Request, actor: Admin) -> Response:
    """Only a rule that has never run (409 otherwise: disable it, its runs are its history)."""
    return commands.run(request, actor, lambda c: service.delete_rule(c, rule_id))


@router.get("/rules/{rule_id}/runs")
def list_runs(rule_id: str, conn: ReadConn, _: AdminReader, limit: int = 50,
              cursor: str | None = None) -> dict[str, Any]:
    """What the rule did, newest first: one run per (rule, event), `done` or `failed`."""
    return queries.list_runs(conn, rule_id, limit=limit, cursor=cursor)
