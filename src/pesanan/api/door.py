"""Refusals at the door: what the rate limits already refuse is answered before routing,
sessions, form parsing or dependencies run.

A spray is cheap to send and each refusal still costs the server a request's work; through the
whole stack a refused login cost ~2 ms of CPU (session cookie, form, template) and an unknown key
~0.5 ms (route matching, dependencies). Here either is a header look-up and a small answer, so
a spray takes as little as possible from order placement (bench/spray.py). Only what is sure
to be refused is answered here: an API request whose key this process has never seen valid,
from an address past its unknown-key limit, while every key lookup place is taken (when they
are idle such a key is looked up, so a good client sharing the address gets in); a login
POST from an address past its login limit.
Everything else (and every per-key and per-account limit) is decided where it was, in api.deps
and the login view, which check again.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from pesanan.api.errors import PROBLEM, problem_body
from pesanan.bootstrap import Container
from pesanan.core.errors import RateLimited

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in</title>
<link rel="stylesheet" href="/static/vendor/pico-2.1.1.min.css"></head>
<body><main class="container"><article><h1>Pesanan</h1>
<p role="alert">{message}</p><p><a href="/login">Back to the login page</a></p>
</article></main></body></html>
"""


class Door:
    """Pure ASGI middleware (outermost), so a refusal skips every other layer."""

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self._refusal(scope)
            if refused is not None:
                await _answer(scope, send, refused)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> RateLimited | None:
        path: str = scope["path"]
        client = scope.get("client")
        address = client[0] if client else "unknown"
        throttle = self.container.throttle
        if path.startswith("/api/"):
            token = _bearer(scope)
            if (token is None or self.container.keys.vouched(token)
                    or not self.container.key_lookups.busy):
                return None  # no key: a plain 401 later; a key seen valid: never shed
            try:
                throttle.check_failed_auth(address)
            except RateLimited as exc:
                return exc
            return None
        if path == "/login" and scope["method"] == "POST":
            return throttle.login_address_refusal(address)
        return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


async def _answer(scope: Scope, send: Send, exc: RateLimited) -> None:
    if scope["path"].startswith("/api/"):
        body = problem_body(exc.code, exc.title, 429, exc.detail, scope["path"])
        media = PROBLEM
    else:
        seconds = exc.retry_after
        when = f"{seconds} seconds" if seconds < 90 else f"{-(-seconds // 60)} minutes"
        body = _PAGE.format(message=f"{exc.detail} Try again in {when}.").encode()
        media = "text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", media.encode()), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(exc.retry_after).encode())]})
    await send({"type": "http.response.body", "body": body})
