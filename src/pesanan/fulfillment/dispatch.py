"""Sending the 3PL outbox: each due `tpl_dispatch` row is claimed, POSTed signed through the
one outbound client (pesanan/outbound: SSRF-checked, no redirects, a total deadline, a capped
answer) after commit, and the attempt recorded. A failure is retried with backoff
(status.retry_delay_seconds) up to MAX_DISPATCH_ATTEMPTS, then marked failed for a person.

A row is claimed right before it is sent, one at a time, with a lease (LEASE_FACTOR times the
client's deadline) that the send cannot outlast: another worker never sees the row while it is
being sent, and a crashed sender's lease runs out so the row is retried, never lost. The
attempt is recorded only if the lease is still this sender's (fenced on the lease's end and
the attempt count), so a late sender can never overwrite a newer attempt.

Every failure of one dispatch (refused address, no answer, a non-HTTP answer, a redirect, a
bug) is recorded on that row and the pass goes on to the next.

The recorded error can describe the internal network ("connection refused" vs "timed out" is
a port scanner), so `dispatch_view` shows it only when asked for the detail (admins, who hold
settings:read); everyone else sees "delivery failed", the attempts and the next try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, update

from pesanan.core.clock import now, rfc3339
from pesanan.core.crypto import SecretBox, SecretUnreadable
from pesanan.db.tx import transact
from pesanan.fulfillment import locks, signing
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.fo_queries import get_fulfilment_order
from pesanan.fulfillment.models import tpl_dispatch, tpl_endpoint
from pesanan.orders import queries as orders
from pesanan.outbound import Answer, Client, OutboundError

log = logging.getLogger("pesanan.tpl")
# The lease is this many deadlines long: the deadline bounds the whole send, the rest is
# slack for the two short transactions around it.
LEASE_FACTOR = 3
GENERIC_ERROR = "delivery failed"

Sender = Callable[[str, bytes, dict[str, str]], Answer]


def dispatch_view(r: Any, *, detail: bool = False) -> dict[str, Any]:
    error = r["last_error"]
    return {"id": r["id"], "fulfilment_order_id": r["fulfilment_order_id"], "kind": r["kind"],
            "status": r["status"], "attempts": r["attempts"],
            "next_attempt_at": rfc3339(r["next_attempt_at"]),
            "last_attempt_at": rfc3339(r["last_attempt_at"]) if r["last_attempt_at"] else None,
            "last_status": r["last_status"] if detail else None,
            "last_error": error if detail or error is None else GENERIC_ERROR,
            "sent_at": rfc3339(r["sent_at"]) if r["sent_at"] else None}


def list_dispatches(conn: Connection, fo_id: str | None = None, status: str | None = None,
                    limit: int = 100, *, detail: bool = False) -> list[dict[str, Any]]:
    stmt = select(tpl_dispatch).order_by(tpl_dispatch.c.id.desc()).limit(limit)
    if fo_id:
        stmt = stmt.where(tpl_dispatch.c.fulfilment_order_id == fo_id)
    if status:
        stmt = stmt.where(tpl_dispatch.c.status == status)
    return [dispatch_view(r, detail=detail) for r in conn.execute(stmt).mappings()]


def dispatch_body(conn: Connection, d: Any) -> bytes:
    fo = get_fulfilment_order(conn, d["fulfilment_order_id"])
    ship_to = orders.shipping_address(conn, fo["order_id"])
    return orjson.dumps({
        "type": f"fulfilment_order.{'released' if d['kind'] == 'release' else 'cancelled'}",
        "dispatch_id": d["id"],
        "fulfilment_order": {
            "id": fo["id"], "number": fo["number"], "order_number": fo["order_number"],
            "location_code": fo["location_code"], "status": fo["status"], "ship_to": ship_to,
            "lines": [{"order_line_id": x["order_line_id"], "sku": x["sku"], "name": x["name"],
                       "quantity": x["quantity_remaining"]} for x in fo["lines"]],
        },
        "callback_path": f"/api/v1/3pl/{fo['location_code']}/callbacks",
    })


def _claim_next(engine: Engine, at: datetime, lease: timedelta, box: SecretBox
                ) -> dict[str, Any] | None:
    """Take the next due pending dispatch: push its next attempt to the lease's end and return
    what to send (url, secret, body, lease end), in one short transaction."""
    def run(conn: Connection) -> dict[str, Any] | None:
        d = locks.next_due_dispatch(conn, at)
        if d is None:
            return None
        until = at + lease
        conn.execute(update(tpl_dispatch).where(tpl_dispatch.c.id == d["id"])
                     .values(next_attempt_at=until))
        ep = conn.execute(select(tpl_endpoint)
                          .where(tpl_endpoint.c.location_id == d["location_id"])
                          ).mappings().first()
        return {"dispatch": d, "until": until, "url": ep["url"] if ep else None,
                "secret": _unseal(box, ep["secret_sealed"]) if ep else None,
                "body": dispatch_body(conn, d)}
    return transact(engine, run)


def _unseal(box: SecretBox, sealed: str) -> str | None:
    try:
        return box.open(sealed)
    except SecretUnreadable:  # the key changed: that row fails, the others still go
        return None


def _record(engine: Engine, item: dict[str, Any], at: datetime, status: int | None,
            error: str | None) -> str:
    d = item["dispatch"]
    ok = error is None and status is not None and 200 <= status < 300
    attempts = d["attempts"] + 1
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": at,
                              "last_status": status, "last_error": error}
    if ok:
        values.update(status="sent", sent_at=at, last_error=None)
        outcome = "sent"
    elif attempts >= fst.MAX_DISPATCH_ATTEMPTS:
        values.update(status="failed")
        outcome = "failed"
    else:
        values.update(next_attempt_at=at + timedelta(
            seconds=fst.retry_delay_seconds(attempts)))
        outcome = "retry"

    def run(conn: Connection) -> int:
        # Fenced: only while the lease is still ours (nobody re-claimed the row meanwhile).
        return conn.execute(update(tpl_dispatch).where(
            tpl_dispatch.c.id == d["id"], tpl_dispatch.c.status == "pending",
            tpl_dispatch.c.attempts == d["attempts"],
            tpl_dispatch.c.next_attempt_at == item["until"]).values(**values)).rowcount
    if transact(engine, run) != 1:
        log.warning("3pl dispatch %s: lease lost, attempt not recorded", d["id"])
        return "lost"
    return outcome


def _attempt(item: dict[str, Any], at: datetime, sender: Sender
             ) -> tuple[int | None, str | None]:
    """(HTTP status, error) of one send; never raises (every failure is the row's)."""
    if item["url"] is None:
        return None, "the 3PL location has no endpoint configured"
    if item["secret"] is None:
        return None, "the endpoint's secret cannot be unsealed with the current key"
    ts = int(at.timestamp())
    headers = {"Content-Type": "application/json",
               **signing.headers(item["secret"], ts, item["body"]),
               "X-Pesanan-Dispatch-Id": item["dispatch"]["id"]}
    try:
        answer = sender(item["url"], item["body"], headers)
    except OutboundError as exc:
        return None, str(exc)[:500]
    except Exception as exc:  # a bug must not stop the pass; the log keeps the traceback
        log.exception("3pl dispatch %s: unexpected failure", item["dispatch"]["id"])
        return None, f"internal error: {type(exc).__name__}"
    if 300 <= answer.status < 400:
        return answer.status, f"HTTP {answer.status} (redirects are not followed)"
    if not 200 <= answer.status < 300:
        return answer.status, f"HTTP {answer.status}"
    return answer.status, None


def send_pending(engine: Engine, box: SecretBox, client: Client, *, limit: int = 50,
                 at: datetime | None = None, sender: Sender | None = None) -> dict[str, int]:
    """Send every due dispatch once (at most `limit`); returns counts {sent, retry, failed}.
    The HTTP calls run outside any transaction. `sender` replaces client.post in tests."""
    lease = timedelta(seconds=LEASE_FACTOR * client.deadline)
    send = sender or client.post
    tally = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        # The clock is read per claim: a lease taken late in a long pass still runs its full
        # length. Tests pass a fixed `at` to step through backoff.
        t = at or now()
        item = _claim_next(engine, t, lease, box)
        if item is None:
            break
        status, error = _attempt(item, t, send)
        outcome = _record(engine, item, t, status, error)
        if outcome in tally:
            tally[outcome] += 1
        # Never the secret or the body: the dispatch id, the outcome and the status.
        log.info("3pl dispatch %s: %s (%s)", item["dispatch"]["id"], outcome, status or error)
    return tally


def run_dispatcher(engine: Engine, box: SecretBox, client: Client, *, interval: float = 5.0,
                   should_stop: Callable[[], bool] = lambda: False) -> None:
    """A worker loop: send what is due, sleep, repeat."""
    while not should_stop():
        send_pending(engine, box, client)
        time.sleep(interval)
