"""Console: email (admin settings). The notifications the shop sends, each switched on or off,
and the log of the latest messages with their status, attempts and last error."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.mail import queries, service
from pesanan.mail.schemas import NotificationsUpdate
from pesanan.web.deps import check_csrf, execute, page, read, render
from pesanan.web.forms import domain_errors

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("settings:read"))]
Admin = Annotated[Actor, Depends(page("settings:write"))]
LOG = 50


def _page(request: Request, status: int = 200, *, error: str | None = None,
          done: str | None = None) -> Response:
    notifications = read(request, service.list_notifications)["items"]
    log = read(request, lambda c: queries.list_messages(c, limit=LOG))["items"]
    smtp_on = bool(request.app.state.container.settings.smtp_host)
    return render(request, "emails/page.html", status, notifications=notifications, log=log,
                  smtp_on=smtp_on, error=error, done=done)


@router.get("/emails")
def emails_page(request: Request, _: Viewer, done: str | None = None) -> Response:
    return _page(request, done=done)


def _switch(request: Request, kind: str, enabled: bool) -> Response:
    try:
        execute(request, lambda c: service.set_notifications(
            c, NotificationsUpdate({kind: enabled})))
    except DomainError as e:
        errors = domain_errors(e)
        return _page(request, e.status, error=errors.get(kind) or e.detail)
    return RedirectResponse(f"/emails?done={'on' if enabled else 'off'}", status_code=303)


@router.post("/emails/notifications/{kind}/enable", dependencies=[Depends(check_csrf)])
def enable(request: Request, kind: str, _: Admin) -> Response:
    return _switch(request, kind, True)


@router.post("/emails/notifications/{kind}/disable", dependencies=[Depends(check_csrf)])
def disable(request: Request, kind: str, _: Admin) -> Response:
    return _switch(request, kind, False)
