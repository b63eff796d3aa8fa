"""Idempotency keys for every POST.

A request with a key first *claims* it in its own short transaction (so a concurrent duplicate
sees it at once and gets 409 in-flight instead of waiting). The command's own transaction then
marks the key done and stores the response, so "order committed" and "response stored" are one
atomic fact: a retry can never run the command twice. A 4xx is stored too (the same bad request
gets the same answer); a 5xx releases the claim so the client's retry can succeed. A claim left
in flight by a crashed process expires after STALE_AFTER.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, delete, select, text, update

from pesanan.core.clock import now
from pesanan.core.errors import IdempotencyInFlight, IdempotencyKeyReused
from pesanan.db.types import UTCDateTime
from pesanan.idempotency.models import idempotency_key

STALE_AFTER = timedelta(minutes=5)
_claim = text(
    "INSERT INTO idempotency_key (scope, key, request_hash, state, created_at, locked_at) "
    "VALUES (:s, :k, :h, 'in_flight', :t, :t) ON CONFLICT DO NOTHING RETURNING key"
).bindparams(bindparam("t", type_=UTCDateTime))
KEEP_FOR = timedelta(hours=24)
# Built once: constructing this UPDATE per request (its literals and cache key) cost ~0.25 ms
# CPU, more than executing it (bench/README.md).
_complete = (
    update(idempotency_key)
    .where(idempotency_key.c.scope == bindparam("scope_"),
           idempotency_key.c.key == bindparam("key_"))
    .values(state="done", response_status=bindparam("status_"),
            response_body=bindparam("body_"), response_location=bindparam("location_"))
)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    location: str | None


def request_hash(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    h.update(method.encode())
    h.update(b"\0")
    h.update(path.encode())
    h.update(b"\0")
    h.update(body)
    return h.hexdigest()


def claim(conn: Connection, scope: str, key: str, req_hash: str) -> StoredResponse | None:
    """Claim the key (returns None: go ahead) or return the stored response to replay.
    Raises IdempotencyKeyReused or IdempotencyInFlight. Run in its own transaction."""
    ts = now()
    # One statement on both databases; no savepoint, so the hot path stays short.
    claimed = conn.execute(_claim, {"s": scope, "k": key, "h": req_hash, "t": ts}).first()
    if claimed is not None:
        return None
    row = conn.execute(
        select(idempotency_key).where(idempotency_key.c.scope == scope,
                                      idempotency_key.c.key == key)
    ).mappings().first()
    if row is None:  # released between our insert and read: treat as in flight, client retries
        raise IdempotencyInFlight("the first request with this key is still being processed")
    expired = row["created_at"] < ts - KEEP_FOR
    if row["request_hash"] != req_hash and not expired:
        raise IdempotencyKeyReused("this Idempotency-Key was used with a different request")
    if row["state"] == "done" and not expired:
        return StoredResponse(row["response_status"], row["response_body"],
                              row["response_location"])
    if row["state"] == "in_flight" and row["locked_at"] > ts - STALE_AFTER:
        raise IdempotencyInFlight("the first request with this key is still being processed")
    # A stale claim (its process died) or an expired key: take it over, compare-and-set.
    taken = conn.execute(
        update(idempotency_key)
        .where(idempotency_key.c.scope == scope, idempotency_key.c.key == key,
               idempotency_key.c.locked_at == row["locked_at"])
        .values(state="in_flight", request_hash=req_hash, locked_at=ts, created_at=ts,
                response_status=None, response_body=None, response_location=None)
    )
    if taken.rowcount != 1:
        raise IdempotencyInFlight("the first request with this key is still being processed")
    return None


def complete(conn: Connection, scope: str, key: str, status: int, body: bytes,
             location: str | None) -> None:
    conn.execute(_complete, {"scope_": scope, "key_": key, "status_": status, "body_": body,
                             "location_": location})


def release(conn: Connection, scope: str, key: str) -> None:
    conn.execute(delete(idempotency_key).where(idempotency_key.c.scope == scope,
                                               idempotency_key.c.key == key,
                                               idempotency_key.c.state == "in_flight"))


def purge_expired(conn: Connection) -> int:
    return conn.execute(
        delete(idempotency_key).where(idempotency_key.c.created_at < now() - KEEP_FOR)
    ).rowcount
