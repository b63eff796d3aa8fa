"""The lane for placing an order: POST /api/v1/orders in its ordinary case, served without
FastAPI's routing and dependency machinery, through the same functions as its route.

Why: place order is the busiest request and CPU-bound, and a py-spy profile of the server
(bench/README.md, issue 13) gave about a third of its CPU to the HTTP stack: route matching
over every route of the API and the console, dependency solving, body parsing and validation
through generic code, five more middleware layers, the response through each of their send
wrappers. Here the ordinary request (JSON, a key this process has already seen valid, a body
that validates) is checked by the same code the route uses (deps.authenticate, the permission
table, the PlaceOrder schema) and run by the route's own `place` (commands.run_async: the
slot, the idempotency key, one transaction).

Anything else goes down the ordinary path untouched, with the body handed on as it came: an
unknown or missing key, a role without the permission, a body that is not JSON or does not
validate, another content type. So every refusal, and its problem document, is the route's
own; the lane only ever answers what the route would answer with a 201 or a command's result.

It sits inside telemetry.http.Observe (the request id, latency by route) and every outer
middleware (body limit, the Door's rate limits, the NUL guard), which run as for any request.
"""

from __future__ import annotations

import orjson
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import ValidationError
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pesanan.api import deps, errors
from pesanan.api.routes import orders
from pesanan.auth.roles import allows
from pesanan.bootstrap import Container
from pesanan.core.errors import DomainError
from pesanan.orders.schemas import PlaceOrder

PATH = "/api/v1/orders"


class PlaceOrderLane:
    """Pure ASGI middleware: the lane for POST /api/v1/orders, everything else passed on."""

    def __init__(self, app: ASGIApp, router: Router, container: Container) -> None:
        self.app = app
        self.router = router
        self.container = container
        self.route: APIRoute | None = None  # the route's object, for Observe's latency label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        request = Request(scope, _replay(body, more, receive))
        command = self._ordinary(request, body) if more is None else None
        if command is None:
            await self.app(scope, request.receive, send)  # the route decides, as always
            return
        scope["route"] = self.route or self._find_route()
        try:
            actor = await deps.authenticate(request)  # the per-key limit, request.state.actor
            response = await orders.place(request, command, actor)
        except DomainError as exc:
            response = await errors.on_domain_error(request, exc)
        except errors.DATABASE_FAULTS as exc:
            response = await errors.on_database_fault(request, exc)
        await response(scope, request.receive, send)

    def _ordinary(self, request: Request, body: bytes) -> PlaceOrder | None:
        """The validated command when the request is the ordinary case; None otherwise."""
        if not _json(request.headers.get("content-type")):
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        found, actor = self.container.keys.cached(token.strip())
        if not found or actor is None or not allows(actor.role, orders.WRITE):
            return None
        try:
            return PlaceOrder.model_validate(orjson.loads(body))
        except (orjson.JSONDecodeError, ValidationError):
            return None

    def _find_route(self) -> APIRoute | None:
        for ctx in iter_route_contexts(self.router.routes):
            route = ctx.original_route
            if (isinstance(route, APIRoute) and route.endpoint is orders.place_order
                    and "POST" in (route.methods or ())):
                self.route = route
        return self.route


def _json(content_type: str | None) -> bool:
    """application/json (with or without parameters), as FastAPI reads it as JSON; a missing
    header or a +json type goes the ordinary way."""
    return (content_type is not None
            and content_type.split(";", 1)[0].strip().lower() == "application/json")


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; or what was read before a message that is not body (a disconnect),
    returned with it so the ordinary path sees it too."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, more: Message | None, receive: Receive) -> Receive:
    """A receive that gives the body read so far once, then whatever `more` was, then the
    connection's own receive (which waits for the disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    if more is not None:
        pending = [{"type": "http.request", "body": body, "more_body": True}, more]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()
    return replayed
