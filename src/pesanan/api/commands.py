"""Run one command: a command slot, idempotency claim, one transaction, retry on a lost race,
one response.

Every POST goes through `run` (plain `def` routes) or `run_async` (async routes), so every
command behaves the same: it waits its turn for one of the process's command slots (one FIFO
queue for all, pesanan/slots.py), the service function gets a connection inside a transaction
and returns the resource; this commits it at the boundary, together with the idempotency
record, or rolls everything back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Connection, Engine
from starlette.responses import Response

from pesanan import slots
from pesanan.api.errors import domain_problem, problem_response
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import (
    DomainError,
    FieldError,
    IdempotencyInFlight,
    ValidationFailed,
)
from pesanan.db.tx import transact
from pesanan.idempotency import service as idem

log = logging.getLogger("pesanan.commands")
Result = dict[str, Any]


def _check_key(key: str) -> None:
    if not (1 <= len(key) <= 255) or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationFailed("Idempotency-Key must be 1-255 visible characters",
                               [FieldError("Idempotency-Key", "invalid", "1-255 visible chars")])


def run(
    request: Request,
    actor: Actor,
    fn: Callable[[Connection], Result],
    *,
    body: BaseModel | None = None,
    status_code: int = 200,
    location: Callable[[Result], str] | None = None,
    replay: Callable[[Result], Result] | None = None,
) -> Response:
    """Run a command from a plain `def` route (FastAPI calls it in a worker thread).

    `replay`, if given, turns the result into what is stored for an idempotent replay (e.g.
    without a secret that must be shown only once); the live response is the result itself."""
    with slots.slot_from_thread(request):
        return _run(request, actor, fn, body, status_code, location, replay)


async def run_async(
    request: Request,
    actor: Actor,
    fn: Callable[[Connection], Result],
    *,
    body: BaseModel | None = None,
    status_code: int = 200,
    location: Callable[[Result], str] | None = None,
    replay: Callable[[Result], Result] | None = None,
) -> Response:
    """`run` for an async endpoint (the hot ones): the whole command takes one thread
    hand-off, after waiting for its slot on the event loop rather than in a thread."""
    async with slots.slot(request) as held:
        return await slots.run_in_slot(held, functools.partial(
            _run, request, actor, fn, body, status_code, location, replay))


def _run(
    request: Request,
    actor: Actor,
    fn: Callable[[Connection], Result],
    body: BaseModel | None,
    status_code: int,
    location: Callable[[Result], str] | None,
    replay: Callable[[Result], Result] | None,
) -> Response:
    container: Container = request.app.state.container
    engine = container.engine
    key = request.headers.get("idempotency-key")
    path = request.url.path
    if key is None:
        return _execute(engine, fn, None, status_code, location, replay, path)
    _check_key(key)
    digest = idem.request_hash(request.method, path,
                               body.model_dump_json().encode() if body else b"")
    try:
        # Committed on its own before the command runs, so a concurrent duplicate sees it:
        # one autocommitted statement for a fresh key (idempotency/service.py).
        with engine.connect() as conn:
            claimed = idem.claim_now(conn, actor.id, key, digest)
    except IdempotencyInFlight as exc:  # say when the claim's lease runs out
        return problem_response(*domain_problem(exc, path),
                                {"Retry-After": str(exc.retry_after)})
    if isinstance(claimed, idem.StoredResponse):
        headers = {"Idempotency-Replayed": "true"}
        if claimed.location:
            headers["Location"] = claimed.location
        media = "application/problem+json" if claimed.status >= 400 else "application/json"
        return Response(claimed.body, status_code=claimed.status, media_type=media,
                        headers=headers)
    return _execute(engine, fn, (actor.id, key, claimed), status_code, location, replay, path)


def _execute(
    engine: Engine,
    fn: Callable[[Connection], Result],
    claim: tuple[str, str, str] | None,  # (scope, key, token) when the request has a key
    status_code: int,
    location: Callable[[Result], str] | None,
    replay: Callable[[Result], Result] | None,
    path: str,
) -> Response:
    def command(conn: Connection) -> tuple[bytes, str | None]:
        result = fn(conn)
        payload = orjson.dumps(result)
        loc = location(result) if location else None
        if claim is not None:
            stored = orjson.dumps(replay(result)) if replay else payload
            # Fenced: raises ClaimLost (so this transaction rolls back) if a retry took over.
            idem.complete(conn, *claim, status_code, stored, loc)
        return payload, loc

    try:
        payload, loc = transact(engine, command)
        return Response(payload, status_code=status_code, media_type="application/json",
                        headers={"Location": loc} if loc else None)
    except idem.ClaimLost as exc:
        log.warning("%s: %s; its work was rolled back", path, exc)
        lost = IdempotencyInFlight("this request outlived its claim on the Idempotency-Key and "
                                   "a retry took over; retry to get that request's response")
        return problem_response(*domain_problem(lost, path), {"Retry-After": "1"})
    except ValidationFailed as exc:
        # The service refused the input and nothing ran: not stored (like Stripe), so the
        # client can fix the body and retry with the same key.
        _release(engine, claim)
        return problem_response(*domain_problem(exc, path))
    except DomainError as exc:
        status, problem = domain_problem(exc, path)
        if claim is not None:
            # The same request gets the same answer on retry, without running again.
            try:
                with engine.begin() as conn:
                    idem.complete(conn, *claim, status, problem, None)
            except idem.ClaimLost:
                pass  # a retry took over and answers for the key
        return problem_response(status, problem)
    except BaseException:
        _release(engine, claim)  # a 5xx is not stored: a retry can succeed
        raise


def _release(engine: Engine, claim: tuple[str, str, str] | None) -> None:
    if claim is None:
        return
    try:
        with engine.begin() as conn:
            idem.release(conn, *claim)
    except Exception:
        # The database failed again (the usual reason we are here): the claim's lease runs
        # out instead, and the retry is told when (Retry-After). Keep the first error.
        log.warning("could not release idempotency key %r", claim[1], exc_info=True)
