"""Idempotency keys for every POST.

A request with a key first *claims* it in its own short transaction (so a concurrent duplicate
sees it at once and gets 409 in-flight instead of waiting). The command's own transaction then
marks the key done and stores the response, so "order committed" and "response stored" are one
atomic fact.

What is stored: the response of a command that ran, success or refusal (insufficient stock, an
invalid transition, not found, a stale version): a retry gets the same answer without running
again. What is not (like Stripe, "results are only saved if an endpoint started executing"): a
5xx, and a ValidationFailed (422) raised by the service's input checks, which only says the
request as sent is wrong and changed nothing; both release the claim, so the client can retry,
or fix the body and retry, with the same key.

Fencing: a claim left in flight by a crashed process is taken over after LEASE. Every claim and
takeover writes a fresh token, and `complete` and `release` act only where the key is still in
flight under the caller's token: a command that outlived its lease finds its claim gone, and its
transaction rolls back (`ClaimLost`) instead of committing a second time.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, select, text, update

from pesanan.core.clock import now
from pesanan.core.errors import IdempotencyInFlight, IdempotencyKeyReused
from pesanan.db.hot import Hot
from pesanan.db.types import UTCDateTime
from pesanan.idempotency.models import idempotency_key

# How long a claim holds the key before a retry may take it over. Fencing makes a takeover
# safe, so this only bounds how long a client waits after a crash; commands take well under a
# second, and one still running after this is rolled back in favour of the retry.
LEASE = timedelta(seconds=30)
KEEP_FOR = timedelta(hours=24)
# Both run on every POST with a key: hot statements (db/hot.py).
_claim = Hot(text(
    "INSERT INTO idempotency_key (scope, key, request_hash, state, claim_token, created_at, "
    "locked_at) VALUES (:s, :k, :h, 'in_flight', :c, :t, :t) ON CONFLICT DO NOTHING "
    "RETURNING key"
).bindparams(bindparam("t", type_=UTCDateTime)))
_t = idempotency_key.c
# Built once: constructing this UPDATE per request (its literals and cache key) cost ~0.25 ms
# CPU, more than executing it (bench/README.md).
_complete = Hot(
    update(idempotency_key)
    .where(_t.scope == bindparam("scope_"), _t.key == bindparam("key_"),
           _t.claim_token == bindparam("token_"), _t.state == "in_flight")
    .values(state="done", response_status=bindparam("status_"),
            response_body=bindparam("body_"), response_location=bindparam("location_"))
)


class ClaimLost(Exception):
    """The claim was taken over (its lease ran out) while the command ran: the command's
    transaction must roll back, since the request that took over runs it instead."""


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


def claim(conn: Connection, scope: str, key: str, req_hash: str) -> str | StoredResponse:
    """Claim the key, returning the claim's token (go ahead), or return the stored response to
    replay. Raises IdempotencyKeyReused or IdempotencyInFlight. Run in its own transaction."""
    ts = now()
    token = secrets.token_hex(16)
    # One statement on both databases; no savepoint, so the hot path stays short.
    claimed = _claim.all(conn, {"s": scope, "k": key, "h": req_hash, "c": token, "t": ts})
    if claimed:
        return token
    row = conn.execute(
        select(idempotency_key).where(_t.scope == scope, _t.key == key)
    ).mappings().first()
    if row is None:  # released between our insert and read: treat as in flight, client retries
        raise _in_flight(1)
    expired = row["created_at"] < ts - KEEP_FOR
    if row["request_hash"] != req_hash and not expired:
        raise IdempotencyKeyReused("this Idempotency-Key was used with a different request")
    if row["state"] == "done" and not expired:
        return StoredResponse(row["response_status"], row["response_body"],
                              row["response_location"])
    if row["state"] == "in_flight" and row["locked_at"] > ts - LEASE:
        raise _in_flight(_seconds_left(row["locked_at"], ts))
    # A claim whose lease ran out (its process died or it is far too slow), or an expired key:
    # take it over, compare-and-set on the token and state we read. On PostgreSQL a complete()
    # committing meanwhile makes this match nothing (state is then 'done'), never both.
    taken = conn.execute(
        update(idempotency_key)
        .where(_t.scope == scope, _t.key == key, _t.claim_token == row["claim_token"],
               _t.state == row["state"])
        .values(state="in_flight", request_hash=req_hash, claim_token=token, locked_at=ts,
                created_at=ts, response_status=None, response_body=None,
                response_location=None)
    )
    if taken.rowcount != 1:
        raise _in_flight(1)
    return token


def claim_now(conn: Connection, scope: str, key: str, req_hash: str) -> str | StoredResponse:
    """`claim` on a connection with no transaction open, as the API's commands do: a fresh key
    (the usual case) is claimed by one statement committed on its own, without the BEGIN and
    COMMIT round trips; a key seen before goes through `claim` in a transaction."""
    token = secrets.token_hex(16)
    ts = now()
    if _claim.autocommit(conn, {"s": scope, "k": key, "h": req_hash, "c": token, "t": ts}):
        return token
    with conn.begin():
        return claim(conn, scope, key, req_hash)


def _seconds_left(locked_at: datetime, ts: datetime) -> int:
    return max(1, math.ceil((locked_at + LEASE - ts).total_seconds()))


def _in_flight(retry_after: int) -> IdempotencyInFlight:
    return IdempotencyInFlight("the first request with this key is still being processed",
                               retry_after=retry_after)


def complete(conn: Connection, scope: str, key: str, token: str, status: int, body: bytes,
             location: str | None) -> None:
    """Store the response, in the command's transaction. Raises ClaimLost (roll it back) if
    the key is no longer in flight under `token`."""
    # Checked when the transaction's writes go out (db/pipeline.py), before COMMIT.
    _complete.send(conn, {"scope_": scope, "key_": key, "token_": token, "status_": status,
                          "body_": body, "location_": location},
                   expect=1, refuse=lambda: ClaimLost(
                       f"idempotency key {key!r} was taken over by a retry"))


def release(conn: Connection, scope: str, key: str, token: str) -> None:
    """Forget the claim so a retry can run; a no-op if another request holds it now."""
    conn.execute(delete(idempotency_key).where(_t.scope == scope, _t.key == key,
                                               _t.claim_token == token,
                                               _t.state == "in_flight"))


def purge_expired(conn: Connection) -> int:
    return conn.execute(
        delete(idempotency_key).where(_t.created_at < now() - KEEP_FOR)
    ).rowcount
