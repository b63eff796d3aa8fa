"""RFC 9457 problem documents and the app's exception handlers. Each domain error's status and
problem type come from the one error table in pesanan.core.errors, which the console and the
CLI read too."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pesanan.core.errors import DomainError, problem_type

PROBLEM = "application/problem+json"


def problem_body(code: str, title: str, status: int, detail: str, instance: str,
                 errors: list[dict[str, Any]] | None = None) -> bytes:
    return orjson.dumps({"type": problem_type(code), "title": title, "status": status,
                         "detail": detail, "instance": instance, "errors": errors or []})


def domain_problem(exc: DomainError, instance: str) -> tuple[int, bytes]:
    status = exc.status
    errors = [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors]
    return status, problem_body(exc.code, exc.title, status, exc.detail, instance, errors)


def problem_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    h = dict(headers or {})
    if status == 401:
        h["WWW-Authenticate"] = "Bearer"
    return Response(body, status_code=status, media_type=PROBLEM, headers=h)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    # Errors that know when a retry may succeed (rate-limited) say so in Retry-After.
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return problem_response(*domain_problem(exc, request.url.path), headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _loc(tuple(e.get("loc", ()))), "code": e.get("type", "invalid"),
               "message": e.get("msg", "invalid")} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(422, problem_body("validation-error", "Invalid request", 422,
                                              detail, request.url.path, errors))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated"}.get(
        exc.status_code, "http-error")
    return problem_response(exc.status_code, problem_body(
        code, str(exc.detail), exc.status_code, str(exc.detail), request.url.path))


# A database that is down, unreachable, restarting or out of pooled connections. Answered by
# its own handler, not the catch-all `Exception` one: that runs in Starlette's
# ServerErrorMiddleware, which re-raises after responding, so uvicorn drops the keep-alive
# connection; this one answers and the connection keeps serving.
DATABASE_FAULTS: tuple[type[Exception], ...] = (OperationalError, InterfaceError,
                                                PoolTimeout)
DATABASE_RETRY_AFTER = 2  # seconds: a restart or failover, or a pool busy for a moment


async def on_database_fault(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    logging.getLogger("pesanan").error("database unavailable (request %s): %s", request_id,
                                       exc, exc_info=exc)
    return problem_response(503, problem_body(
        "service-unavailable", "Service unavailable", 503,
        f"the database did not answer request {request_id}; retry shortly",
        request.url.path), {"Retry-After": str(DATABASE_RETRY_AFTER)})


async def on_unexpected(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    # This handler runs in Starlette's outermost middleware, after the request's own
    # (telemetry.http.Observe) has finished: the id is given to the log line and the answer here.
    logging.getLogger("pesanan").exception("internal error (request %s)", request_id,
                                           extra={"request_id": request_id})
    return problem_response(500, problem_body(
        "internal-error", "Internal error", 500, f"request {request_id} failed; see the log",
        request.url.path), {"X-Request-ID": request_id})
