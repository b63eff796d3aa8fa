"""Run one command: idempotency claim, one transaction, retry on a lost race, one response.

Every POST goes through `run`, so every command behaves the same: the service function gets a
connection inside a transaction and returns the resource; this commits it at the boundary,
together with the idempotency record, or rolls everything back.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pesanan.api.errors import domain_problem, problem_response
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, FieldError, ValidationFailed
from pesanan.db.tx import transact
from pesanan.idempotency import service as idem


def _check_key(key: str) -> None:
    if not (1 <= len(key) <= 255) or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationFailed("Idempotency-Key must be 1-255 visible characters",
                               [FieldError("Idempotency-Key", "invalid", "1-255 visible chars")])


def run(
    request: Request,
    actor: Actor,
    fn: Callable[[Connection], dict[str, Any]],
    *,
    body: BaseModel | None = None,
    status_code: int = 200,
    location: Callable[[dict[str, Any]], str] | None = None,
) -> Response:
    container: Container = request.app.state.container
    engine = container.engine
    key = request.headers.get("idempotency-key")
    path = request.url.path
    if key is not None:
        _check_key(key)
        digest = idem.request_hash(request.method, path,
                                   body.model_dump_json().encode() if body else b"")
        with engine.begin() as conn:
            stored = idem.claim(conn, actor.id, key, digest)
        if stored is not None:
            headers = {"Idempotency-Replayed": "true"}
            if stored.location:
                headers["Location"] = stored.location
            media = "application/problem+json" if stored.status >= 400 else "application/json"
            return Response(stored.body, status_code=stored.status, media_type=media,
                            headers=headers)
    def command(conn: Connection) -> tuple[bytes, str | None]:
        result = fn(conn)
        payload = orjson.dumps(result)
        loc = location(result) if location else None
        if key is not None:
            idem.complete(conn, actor.id, key, status_code, payload, loc)
        return payload, loc

    try:
        payload, loc = transact(engine, command)
        return Response(payload, status_code=status_code, media_type="application/json",
                        headers={"Location": loc} if loc else None)
    except DomainError as exc:
        status, problem = domain_problem(exc, path)
        if key is not None:
            # The same bad request gets the same answer on retry, without running again.
            with engine.begin() as conn:
                idem.complete(conn, actor.id, key, status, problem, None)
        return problem_response(status, problem)
    except BaseException:
        if key is not None:  # a 5xx is not stored: release the claim so a retry can succeed
            with engine.begin() as conn:
                idem.release(conn, actor.id, key)
        raise


async def run_async(
    request: Request,
    actor: Actor,
    fn: Callable[[Connection], dict[str, Any]],
    *,
    body: BaseModel | None = None,
    status_code: int = 200,
    location: Callable[[dict[str, Any]], str] | None = None,
) -> Response:
    """`run` for an async endpoint (the hot ones): the whole command takes one thread
    hand-off, and at most as many commands as the pool has connections run in threads at a
    time. The rest wait their turn in FIFO order on the event loop instead of as runnable
    threads contending for the GIL and the pool, which is what stretched p99 under load."""
    async with _slots(request):
        return await run_in_threadpool(run, request, actor, fn, body=body,
                                       status_code=status_code, location=location)


def _slots(request: Request) -> asyncio.Semaphore:
    """The process's command slots for the running event loop (one loop per server process;
    tests may drive one app from several loops, and a semaphore must not cross loops)."""
    state = request.app.state
    by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = (
        getattr(state, "command_slots", None))
    if by_loop is None:
        by_loop = state.command_slots = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    slots = by_loop.get(loop)
    if slots is None:
        settings = state.container.settings
        slots = by_loop[loop] = asyncio.Semaphore(
            settings.command_slots or max(1, settings.pool_size + settings.pool_overflow))
    return slots
