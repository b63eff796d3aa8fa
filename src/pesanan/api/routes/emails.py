"""The email log (orders:read; the SMTP error to admins only: it can name the mail server)
and the shop's notification switches (settings:read / settings:write)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.auth.roles import allows
from pesanan.core.actor import Actor
from pesanan.mail import queries, service
from pesanan.mail.schemas import NotificationsUpdate

router = APIRouter(tags=["email"])
OrderReader = Annotated[Actor, Depends(require("orders:read"))]
Reader = Annotated[Actor, Depends(require("settings:read"))]
Writer = Annotated[Actor, Depends(require("settings:write"))]


class EmailOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    event_id: str
    event_type: str
    order_id: str | None
    to: str
    subject: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    attachment: str | None
    last_error: str | None
    sent_at: str | None
    created_at: str


class EmailPage(BaseModel):
    items: list[EmailOut]
    next_cursor: str | None


class NotificationOut(BaseModel):
    kind: str
    event_type: str
    title: str
    attachment: str | None
    enabled: bool
    updated_at: str | None


class NotificationList(BaseModel):
    items: list[NotificationOut]


@router.get("/emails", response_model=EmailPage)
def list_emails(conn: ReadConn, actor: OrderReader, order_id: str | None = None,
                status: str | None = None, limit: int = 50,
                cursor: str | None = None) -> dict[str, Any]:
    """Every email made from an event, newest first: to, subject, status, attempts, last
    error, sent_at. Filters: `order_id`, `status` (pending | sent | failed)."""
    return queries.list_messages(conn, limit=limit, cursor=cursor, order_id=order_id,
                                 status=status, errors=allows(actor.role, "settings:read"))


@router.get("/emails/{email_id}", response_model=EmailOut)
def get_email(email_id: str, conn: ReadConn, actor: OrderReader) -> dict[str, Any]:
    """One email with every attempt to hand it to the SMTP server (`attempt_log`)."""
    return queries.get_message(conn, email_id, errors=allows(actor.role, "settings:read"))


@router.get("/notifications", response_model=NotificationList)
def list_notifications(conn: ReadConn, _: Reader) -> dict[str, Any]:
    """Each notification the shop sends, the event it is made from, and whether it is on."""
    return service.list_notifications(conn)


@router.patch("/notifications", response_model=NotificationList)
def set_notifications(body: NotificationsUpdate, request: Request, actor: Writer) -> Response:
    """`{"invoice_issued": false}`: switch notifications off (or on); only those named
    change. An unknown one is a 422 and nothing changes."""
    return commands.run(request, actor, lambda c: service.set_notifications(c, body), body=body)
