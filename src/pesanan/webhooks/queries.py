"""Reads: endpoints (never their secrets), deliveries and their attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.db.paging import page
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from pesanan.webhooks.signing import webhook_id


def _at(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None


def endpoint_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "url": r["url"], "description": r["description"],
            "event_types": list(r["event_types"]), "status": r["status"],
            "disabled_reason": r["disabled_reason"], "disabled_at": _at(r["disabled_at"]),
            "failing_since": _at(r["failing_since"]),
            "previous_secret_until": _at(r["previous_secret_until"]),
            "created_at": _at(r["created_at"]), "updated_at": _at(r["updated_at"])}


def get_endpoint(conn: Connection, endpoint_id: str) -> dict[str, Any]:
    row = conn.execute(select(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id)
                       ).mappings().first()
    if row is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint_view(row)


def list_endpoints(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                   status: str | None = None) -> dict[str, Any]:
    stmt = select(webhook_endpoint)
    if status:
        stmt = stmt.where(webhook_endpoint.c.status == status)
    rows, next_cursor = page(conn, stmt, webhook_endpoint.c.id, limit, cursor)
    return {"items": [endpoint_view(r) for r in rows], "next_cursor": next_cursor}


def enabled_endpoints(conn: Connection) -> list[dict[str, Any]]:
    """What fan-out matches events against: the enabled endpoints and their filters."""
    return [dict(r) for r in conn.execute(
        select(webhook_endpoint.c.id, webhook_endpoint.c.event_types)
        .where(webhook_endpoint.c.status == "enabled")).mappings()]


def delivery_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "webhook_id": webhook_id(r["id"]), "endpoint_id": r["endpoint_id"],
            "event_id": r["event_id"], "event_type": r["event_type"],
            "sequence": r["position"], "aggregate_type": r["aggregate_type"],
            "aggregate_id": r["aggregate_id"], "status": r["status"],
            "attempts": r["attempts"], "next_attempt_at": _at(r["next_attempt_at"])
            if r["status"] == "pending" else None,
            "last_attempt_at": _at(r["last_attempt_at"]), "last_status": r["last_status"],
            "last_error": r["last_error"], "delivered_at": _at(r["delivered_at"]),
            "created_at": _at(r["created_at"])}


def get_delivery(conn: Connection, delivery_id: str) -> dict[str, Any]:
    row = conn.execute(select(webhook_delivery).where(webhook_delivery.c.id == delivery_id)
                       ).mappings().first()
    if row is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    return delivery_view(row)


def list_deliveries(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                    endpoint_id: str | None = None, status: str | None = None
                    ) -> dict[str, Any]:
    """Newest first."""
    stmt = select(webhook_delivery)
    if endpoint_id:
        stmt = stmt.where(webhook_delivery.c.endpoint_id == endpoint_id)
    if status:
        stmt = stmt.where(webhook_delivery.c.status == status)
    rows, next_cursor = page(conn, stmt, webhook_delivery.c.id, limit, cursor)
    return {"items": [delivery_view(r) for r in rows], "next_cursor": next_cursor}


def attempt_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "delivery_id": r["delivery_id"],
            "attempted_at": _at(r["attempted_at"]), "status": r["status"],
            "latency_ms": r["latency_ms"], "response_excerpt": r["response_excerpt"],
            "error": r["error"], "outcome": r["outcome"]}


def list_attempts(conn: Connection, delivery_id: str) -> dict[str, Any]:
    """Every attempt of one delivery, oldest first."""
    get_delivery(conn, delivery_id)  # 404 for an unknown delivery
    rows = conn.execute(select(webhook_attempt)
                        .where(webhook_attempt.c.delivery_id == delivery_id)
                        .order_by(webhook_attempt.c.attempted_at, webhook_attempt.c.id)
                        ).mappings()
    return {"items": [attempt_view(r) for r in rows], "next_cursor": None}
