"""Webhook endpoints (Standard Webhooks), their deliveries and attempts, and replay.

Admin only (settings:read / settings:write): an endpoint receives every event its filter names,
whatever resource it is about, and its delivery log can describe the network it is reached
through ("connection refused" vs "timed out")."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pesanan import outbound
from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.core import crypto
from pesanan.core.actor import Actor
from pesanan.webhooks import queries, replay, service
from pesanan.webhooks.schemas import EndpointCreate, EndpointUpdate, ReplayFrom

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Reader = Annotated[Actor, Depends(require("settings:read"))]
Writer = Annotated[Actor, Depends(require("settings:write"))]


class EndpointOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    url: str
    description: str | None
    event_types: list[str]
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None
    disabled_at: str | None
    failing_since: str | None
    previous_secret_until: str | None
    created_at: str
    updated_at: str


class EndpointSecretOut(EndpointOut):
    secret: str | None = Field(
        description="whsec_…, shown here once, never again: null in an Idempotency-Key replay")


class EndpointPage(BaseModel):
    items: list[EndpointOut]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    webhook_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    sequence: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    attempted_at: str
    status: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
    outcome: Literal["delivered", "retry", "failed"]


class AttemptPage(BaseModel):
    items: list[AttemptOut]
    next_cursor: str | None


class ReplayFromOut(BaseModel):
    endpoint_id: str
    after: int
    through: int
    events: int
    created: int
    queued: int


def _settings(request: Request) -> Any:
    return request.app.state.container.settings


@router.get("/endpoints", response_model=EndpointPage)
def list_endpoints(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                   status: Literal["enabled", "disabled"] | None = None) -> dict[str, Any]:
    return queries.list_endpoints(conn, limit=limit, cursor=cursor, status=status)


@router.post("/endpoints", status_code=201, response_model=EndpointSecretOut)
def create_endpoint(body: EndpointCreate, request: Request, actor: Writer) -> Response:
    """Subscribe a URL to events (`event_types`: types or `prefix.*`; empty: all). The URL is
    refused (422, naming the reason) when it or any address its name resolves to is loopback,
    private, link-local or a metadata service. The `secret` is in this response only."""
    s = _settings(request)
    return commands.run(request, actor, lambda c: service.create_endpoint(
        c, body, policy=outbound.policy_for(s), box=crypto.box_for(s)), body=body,
        status_code=201, location=lambda r: f"/api/v1/webhooks/endpoints/{r['id']}",
        replay=service.replay_view)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(endpoint_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_endpoint(conn, endpoint_id)


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut)
def update_endpoint(endpoint_id: str, body: EndpointUpdate, request: Request, actor: Writer
                    ) -> Response:
    s = _settings(request)
    return commands.run(request, actor, lambda c: service.update_endpoint(
        c, endpoint_id, body, policy=outbound.policy_for(s)), body=body)


@router.delete("/endpoints/{endpoint_id}", response_model=EndpointOut)
def delete_endpoint(endpoint_id: str, request: Request, actor: Writer) -> Response:
    """Remove the endpoint and its delivery log."""
    return commands.run(request, actor, lambda c: service.delete_endpoint(c, endpoint_id))


@router.post("/endpoints/{endpoint_id}/disable", response_model=EndpointOut)
def disable_endpoint(endpoint_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.disable_endpoint(
        c, endpoint_id, f"disabled by {actor.name}"))


@router.post("/endpoints/{endpoint_id}/enable", response_model=EndpointOut)
def enable_endpoint(endpoint_id: str, request: Request, actor: Writer) -> Response:
    """Send again: what waited while it was disabled goes out now."""
    return commands.run(request, actor, lambda c: service.enable_endpoint(c, endpoint_id))


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointSecretOut)
def rotate_secret(endpoint_id: str, request: Request, actor: Writer) -> Response:
    """A new secret, in this response only. Until `previous_secret_until` (24 h by default)
    every message carries two signatures, the new one and the old one."""
    overlap = timedelta(seconds=_settings(request).webhook_secret_overlap_seconds)
    return commands.run(request, actor, lambda c: service.rotate_secret(
        c, endpoint_id, box=crypto.box_for(_settings(request)), overlap=overlap),
        replay=service.replay_view)


@router.post("/endpoints/{endpoint_id}/replay", response_model=ReplayFromOut)
def replay_from(endpoint_id: str, body: ReplayFrom, request: Request, actor: Writer
                ) -> Response:
    """Queue again every event after position `after` that the filter wants (at most 10,000
    per call: `through` says how far it got)."""
    return commands.run(request, actor, lambda c: replay.replay_from(c, endpoint_id,
                                                                     body.after), body=body)


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                    endpoint_id: str | None = None,
                    status: Literal["pending", "delivered", "failed"] | None = None
                    ) -> dict[str, Any]:
    return queries.list_deliveries(conn, limit=limit, cursor=cursor, endpoint_id=endpoint_id,
                                   status=status)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_delivery(conn, delivery_id)


@router.get("/deliveries/{delivery_id}/attempts", response_model=AttemptPage)
def list_attempts(delivery_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.list_attempts(conn, delivery_id)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
def replay_delivery(delivery_id: str, request: Request, actor: Writer) -> Response:
    """Send again now, with the same `webhook-id`."""
    return commands.run(request, actor, lambda c: replay.replay_delivery(c, delivery_id))
