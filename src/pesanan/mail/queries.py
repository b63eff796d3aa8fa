"""Reads of the email log: every message with its status, newest first, by order or status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.db.paging import page
from pesanan.mail.models import email_attempt, email_message

STATUSES = ("pending", "sent", "failed")


def _at(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None


def message_view(r: Any, *, errors: bool = True) -> dict[str, Any]:
    """`errors`: whether the SMTP error is shown (it can name the mail server: admins only)."""
    return {"id": r["id"], "kind": r["kind"], "event_id": r["event_id"],
            "event_type": r["event_type"], "order_id": r["order_id"], "to": r["to_address"],
            "subject": r["subject"], "status": r["status"], "attempts": r["attempts"],
            "attachment": r["attachment_name"], "locale": r["locale"],
            "next_attempt_at": _at(r["next_attempt_at"]) if r["status"] == "pending" else None,
            "last_attempt_at": _at(r["last_attempt_at"]), "last_status": r["last_status"],
            "last_error": r["last_error"] if errors else None, "sent_at": _at(r["sent_at"]),
            "created_at": _at(r["created_at"])}


def list_messages(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                  order_id: str | None = None, status: str | None = None,
                  errors: bool = True) -> dict[str, Any]:
    """Newest first."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed("Unknown status", [
            FieldError("status", "invalid", f"one of {', '.join(STATUSES)}")])
    stmt = select(email_message)
    if order_id:
        stmt = stmt.where(email_message.c.order_id == order_id)
    if status:
        stmt = stmt.where(email_message.c.status == status)
    rows, next_cursor = page(conn, stmt, email_message.c.id, limit, cursor)
    return {"items": [message_view(r, errors=errors) for r in rows], "next_cursor": next_cursor}


def get_message(conn: Connection, message_id: str, *, errors: bool = True) -> dict[str, Any]:
    r = conn.execute(select(email_message).where(email_message.c.id == message_id)
                     ).mappings().first()
    if r is None:
        raise NotFound(f"email {message_id} not found")
    view = message_view(r, errors=errors)
    view["attempt_log"] = [
        {"attempted_at": _at(a["attempted_at"]), "status": a["status"],
         "latency_ms": a["latency_ms"], "error": a["error"] if errors else None,
         "outcome": a["outcome"]}
        for a in conn.execute(select(email_attempt)
                              .where(email_attempt.c.message_id == message_id)
                              .order_by(email_attempt.c.attempted_at, email_attempt.c.id)
                              ).mappings()]
    return view


def for_order(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """Every message of one order, oldest first (the order's timeline)."""
    return [message_view(r, errors=False) for r in conn.execute(
        select(email_message).where(email_message.c.order_id == order_id)
        .order_by(email_message.c.created_at, email_message.c.id)).mappings()]


_SAID = {"sent": "sent to", "pending": "waiting to go to", "failed": "could not be sent to"}


def timeline_entries(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """The order's emails as timeline entries (the console's order page): "Email 'Invoice
    INV-2026-000001 …' sent to ada@example.com", at when it was sent (else made)."""
    # `kind` is the event's type: the console shows an entry to whoever may read that event
    # (an invoice's email to billing:read), and `contact` to customers:read only.
    return [{"id": m["id"], "kind": m["event_type"], "field": None, "from_status": None,
             "to_status": None, "actor": None, "contact": True,
             "message": f"Email '{m['subject']}' {_SAID[m['status']]} {m['to']}",
             "occurred_at": m["sent_at"] or m["created_at"]}
            for m in for_order(conn, order_id)]
