"""Guards on the parts of a request no schema sees: the path, the query string, If-Match.

PostgreSQL cannot hold NUL in text, so `/orders/ab%00cd` or `?sku=a%00b` reached the database
as a driver error (500). They are refused here, once for every route of the API and the
console: a NUL in the path names nothing (404), a NUL in the query is invalid input (422).
Bodies are checked by their schemas (pesanan.core.schema.Input).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from pesanan.api.errors import problem_body, problem_response
from pesanan.core.errors import FieldError, PreconditionFailed, ValidationFailed
from pesanan.core.schema import INT64_MAX, ascii_int

_NUL_ESCAPE = re.compile(rb"%00", re.IGNORECASE)


class RefuseNul:
    """Pure ASGI middleware (no task or stream copy per request, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            query: bytes = scope.get("query_string", b"")
            if "\x00" in path:
                resp = problem_response(404, problem_body(
                    "not-found", "Not found", 404, "no resource has a NUL in its name", path))
                await resp(scope, receive, send)
                return
            if b"\x00" in query or _NUL_ESCAPE.search(query):
                resp = problem_response(422, problem_body(
                    "validation-error", "Invalid request", 422,
                    "query: a parameter contains a NUL character", path,
                    [{"field": "query", "code": "nul_character",
                      "message": "text must not contain a NUL character"}]))
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def version_from_if_match(header: str | None) -> int | None:
    """The version an `If-Match: "<version>"` (or `W/"<version>"`) names; None when absent or
    `*`. Versions are ASCII digits ('²' is a digit to str.isdigit, not to int); a tag that is
    not one is 422, and one past any version the server can issue is 412 (it matches nothing).
    """
    if header is None or header.strip() == "*":
        return None
    tag = header.strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag
    version = ascii_int(tag) if tag[:1] not in ("+", "-") else None
    if version is None:
        if tag and all("0" <= c <= "9" for c in tag):  # a run of digits past 19 of them
            raise PreconditionFailed("If-Match names a version this resource never had")
        raise ValidationFailed("If-Match must be the resource's ETag, such as \"3\"",
                               [FieldError("If-Match", "invalid", "an ETag such as \"3\"")])
    if not 1 <= version <= INT64_MAX:
        raise PreconditionFailed("If-Match names a version this resource never had")
    return version
