"""Each HTTP request gets an id (returned as X-Request-ID, on every log line written for it, in
the 500 body), its latency observed by route template, and, if configured, one log line.

The label is the route's template (`/api/v1/orders/{order_id}`), never the raw path: one
series per route however many orders exist, and every path no route matches is `unmatched`.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pesanan.telemetry import logs, metrics

# A per-process prefix keeps ids unique across processes and hosts at the cost of a counter.
_PREFIX = secrets.token_hex(4)
_counter = itertools.count(1)
# An id from the load balancer or the client is kept, so one id follows the request through
# both logs; anything else is replaced (it would be written into log lines verbatim).
_FOREIGN = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
access = logging.getLogger("pesanan.access")


class Templates:
    """The full template of each of the app's routes, found from what the router leaves on the
    scope: an API route puts itself there (`route`), but carries only its own part of the path
    when it is in an included router ("/orders/{order_id}" for "/api/v1/orders/{order_id}");
    a plain route or a mount leaves only its `endpoint`. Both are looked up here in the app's
    route table, read on first use (every route is in by then) and again if it grew."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.by_id: dict[int, str] = {}
        self.seen = -1

    def of(self, scope: Scope) -> str:
        for key in ("route", "endpoint"):
            found = self._lookup(scope.get(key))
            if found is not None:
                return found
        # No route matched, or only the prefix of an included router did.
        return metrics.UNMATCHED

    def _lookup(self, thing: object) -> str | None:
        if thing is None:
            return None
        found = self.by_id.get(id(thing))
        if found is None and len(self.router.routes) != self.seen:
            self._read()
            found = self.by_id.get(id(thing))
        return found

    def _read(self) -> None:
        self.seen = len(self.router.routes)
        table: dict[int, str] = {}
        for ctx in iter_route_contexts(self.router.routes):
            route, template = ctx.original_route, ctx.path_format
            if not isinstance(template, str):
                continue
            table[id(route)] = template
            if not isinstance(route, APIRoute):  # a plain route's endpoint, a mount's app
                served = getattr(route, "endpoint", None) or getattr(route, "app", None)
                table.setdefault(id(served), template)
        self.by_id = table


def _incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if _FOREIGN.fullmatch(value) else None
    return None


class Observe:
    """Pure ASGI middleware (a BaseHTTPMiddleware costs a task and a stream copy a request)."""

    def __init__(self, app: ASGIApp, router: Router, log_requests: bool = True) -> None:
        self.app = app
        self.templates = Templates(router)
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming(scope) or f"{_PREFIX}-{next(_counter)}"
        scope.setdefault("state", {})["request_id"] = rid
        token = logs.request_id.set(rid)
        header = (b"x-request-id", rid.encode("ascii"))
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            self._done(scope, status, time.perf_counter() - started)
            logs.request_id.reset(token)

    def _done(self, scope: Scope, status: int, seconds: float) -> None:
        route = self.templates.of(scope)
        metrics.observe(route, scope["method"], status, seconds)
        if self.log_requests and access.isEnabledFor(logging.INFO):
            fields: dict[str, Any] = {"method": scope["method"], "path": scope["path"],
                                      "route": route, "status": status,
                                      "duration_ms": round(seconds * 1000, 2)}
            access.info("%s %s %s %.1f ms", scope["method"], scope["path"], status,
                        seconds * 1000, extra=fields)
