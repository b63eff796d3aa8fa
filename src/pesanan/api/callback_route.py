"""The 3PL callback endpoint's plumbing. It cannot go through `commands.run`: there is no API
key (the HMAC signature is the authentication) and the event id, not an Idempotency-Key, makes
it safe to repeat. Order: verify the signature on the raw bytes, then parse, then one
transaction; every refusal is problem+json and changes nothing."""

from __future__ import annotations

import time

import orjson
from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from pesanan.api.errors import domain_problem, problem_body, problem_response
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.errors import DomainError
from pesanan.db.tx import transact
from pesanan.fulfillment import callbacks, tpl
from pesanan.fulfillment.schemas import TplCallback
from pesanan.fulfillment.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from pesanan.slots import slot_from_thread


def _invalid(exc: ValidationError, path: str) -> Response:
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ())) or "body",
               "code": e.get("type", "invalid"), "message": e.get("msg", "invalid")}
              for e in exc.errors()]
    return problem_response(422, problem_body("validation-error", "Invalid request", 422,
                                              "the callback body is not valid", path, errors))


def receive(request: Request, code: str, body: bytes) -> Response:
    container: Container = request.app.state.container
    path = request.url.path
    try:
        with container.read_engine.connect() as conn:
            loc = tpl.verify_callback(conn, code, request.headers.get(TIMESTAMP_HEADER),
                                      request.headers.get(SIGNATURE_HEADER), body,
                                      int(time.time()), box=crypto.box_for(container.settings))
        try:
            cmd = TplCallback.model_validate_json(body)
        except ValidationError as exc:
            return _invalid(exc, path)
        with slot_from_thread(request):  # a command like any other: the same FIFO slots
            result, replayed = transact(container.engine,
                                        lambda c: callbacks.handle_callback(c, loc, cmd))
    except DomainError as exc:
        status, problem = domain_problem(exc, path)
        # Not "Bearer": this endpoint is authenticated by signature, not by API key.
        resp = problem_response(status, problem)
        if status == 401:
            resp.headers["WWW-Authenticate"] = 'Signature realm="3pl"'
        return resp
    return Response(orjson.dumps(result), media_type="application/json",
                    headers={"Callback-Replayed": "true"} if replayed else None)
