"""Console plumbing: templates, the logged-in user, CSRF, running a command from a form."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import Response

from pesanan.auth import users
from pesanan.auth.roles import allows, event_permission
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.db.tx import transact
from pesanan.slots import slot_from_thread
from pesanan.web import i18n, shop_time

T = TypeVar("T")
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


class LoginRequired(Exception):
    """Raised by page dependencies; the app turns it into a redirect to /login."""


class PageForbidden(Exception):
    def __init__(self, permission: str) -> None:
        super().__init__(permission)
        self.permission = permission


class CsrfFailed(Exception):
    pass


def container_of(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def check_csrf(request: Request) -> None:
    """Every state-changing console request must echo the session's token, as a form field or
    (for HTMX) the X-CSRF-Token header: a cross-site form cannot read it, so cannot forge it."""
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise CsrfFailed()


async def form_of(request: Request) -> FormData:
    """The posted form, read in the event loop, so views can be plain `def`s: FastAPI then runs
    them (and their database work) in the thread pool instead of blocking every request."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(form_of)]


def current_user(request: Request) -> Actor:
    uid = request.session.get("uid")
    if not uid:
        raise LoginRequired()
    with container_of(request).read_engine.connect() as conn:
        actor = users.get_user(conn, uid)
    if actor is None:
        request.session.clear()
        raise LoginRequired()
    request.state.user = actor
    return actor


def page(permission: str) -> Callable[[Request], Actor]:
    def dependency(request: Request) -> Actor:
        actor = current_user(request)
        if not allows(actor.role, permission):
            raise PageForbidden(permission)
        return actor

    # Discoverable: the role x page matrix test reads each page's permission from here.
    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    user = getattr(request.state, "user", None)
    # The page is rendered here, in this thread: _(), |money and |datetime read its locale.
    i18n.use(request)
    shop_time.use(request)  # and |local shows times in the shop's zone (one SELECT a request)
    context.update(
        request=request, user=user, csrf=csrf_token(request),
        can=(lambda perm: user is not None and allows(user.role, perm)),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def execute(request: Request, fn: Callable[[Connection], T]) -> T:
    """Run one command in one transaction (retrying lost races); domain errors propagate so
    the view can show them beside the fields. Views are plain `def`s, run in a worker thread:
    the command waits for a slot in the same FIFO queue as the API's (pesanan/slots.py)."""
    with slot_from_thread(request):
        return transact(container_of(request).engine, fn)


def read(request: Request, fn: Callable[[Connection], T]) -> T:
    with container_of(request).read_engine.connect() as conn:
        return fn(conn)


def positive(value: Any) -> bool:
    """An exact decimal string above zero (templates compare money without floats)."""
    try:
        return Decimal(str(value)) > 0
    except ArithmeticError:
        return False


# A decimal amount inside free text (a timeline message: "... 135.80 USD", "added 1x TEE at
# 12.50"), for a role without billing:read. Quantities are whole numbers, so they stay.
_AMOUNT = re.compile(r"\d[\d,]*\.\d+")


def hide_amounts(text: str) -> str:
    return _AMOUNT.sub("…", text)


# Console text goes through gettext: `{{ _("Orders") }}`, `{{ _("%(n)s lines", n=3) }}`, in
# the request's language; `|money`, `|datetime`, `|date` follow it too (web/i18n.py).
i18n.install(templates.env)
shop_time.install(templates.env)
templates.env.filters["hide_amounts"] = hide_amounts
templates.env.tests["positive"] = positive
# The timeline shows an entry about an invoice, payment or refund only to who may read those.
templates.env.globals["event_permission"] = event_permission
