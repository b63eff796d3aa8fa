"""Third-party logistics (3PL): a location of kind `3pl` gets its fulfilment orders by a signed
outbound request and reports shipments and deliveries back through a signed callback.

Outbound is an outbox: releasing a 3PL fulfilment order writes a `tpl_dispatch` row in the same
transaction (fulfillment/release.py); `send_pending` — run by `pesanan fulfilment dispatch` or a
worker loop — POSTs each due row after commit, signed (fulfillment/signing.py), and records the
attempt; a failure is retried with backoff (status.retry_delay_seconds) up to
MAX_DISPATCH_ATTEMPTS, then marked failed for a person to look at.

Inbound: `handle_callback` verifies the signature with the location's secret (401 and nothing
changed when it is missing, wrong or stale), then records the event id under a unique key
before acting. A replay (same event id) answers the stored result; concurrent replays on
PostgreSQL wait on the unique index for the first to commit, then find its row.

The secret is stored (HMAC needs it both to sign and to verify), shown once when it is set, and
never listed, logged or put into an event.
"""

from __future__ import annotations

import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, NotFound, Unauthenticated, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.events.service import emit
from pesanan.fulfillment import signing
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.fo_queries import get_fulfilment_order
from pesanan.fulfillment.models import tpl_dispatch, tpl_endpoint
from pesanan.inventory.models import location
from pesanan.orders.models import sales_order

log = logging.getLogger("pesanan.tpl")
# A claimed dispatch is not picked up by another worker for this long (a crashed sender's
# claim expires, so the row is retried, never lost).
CLAIM_SECONDS = 120
TIMEOUT_SECONDS = 10


# --- endpoint configuration ---------------------------------------------------------------------

def _location_by_code(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(select(location).where(location.c.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"location {code} not found")
    return dict(row)


def endpoint_view(loc: dict[str, Any], ep: dict[str, Any] | None) -> dict[str, Any]:
    return {"location_id": loc["id"], "location_code": loc["code"],
            "url": ep["url"] if ep else None, "secret_set": ep is not None,
            "updated_at": rfc3339(ep["updated_at"]) if ep else None}


def set_endpoint(conn: Connection, code: str, url: str, secret: str | None) -> dict[str, Any]:
    """Point a 3PL location at its URL; answers the secret once (made here when not given)."""
    loc = _location_by_code(conn, code)
    if loc["kind"] != "3pl":
        raise ValidationFailed(f"location {code} is a {loc['kind']}, not a 3pl",
                               [FieldError("location_code", "not_3pl",
                                           "only a 3pl location has an endpoint")])
    secret = secret or secrets.token_urlsafe(32)
    ts = now()
    row = {"location_id": loc["id"], "url": url, "secret": secret, "created_at": ts,
           "updated_at": ts}
    existing = conn.execute(select(tpl_endpoint.c.location_id)
                            .where(tpl_endpoint.c.location_id == loc["id"])
                            .with_for_update()).first()
    if existing:
        conn.execute(update(tpl_endpoint).where(tpl_endpoint.c.location_id == loc["id"])
                     .values(url=url, secret=secret, updated_at=ts))
    else:
        conn.execute(tpl_endpoint.insert(), row)
    view = endpoint_view(loc, row)
    emit(conn, "tpl_endpoint.set", "location", loc["id"], view)  # the view has no secret
    return {**view, "secret": secret}


def get_endpoint(conn: Connection, code: str) -> dict[str, Any]:
    loc = _location_by_code(conn, code)
    ep = conn.execute(select(tpl_endpoint).where(tpl_endpoint.c.location_id == loc["id"])
                      ).mappings().first()
    return endpoint_view(loc, dict(ep) if ep else None)


# --- outbound dispatch --------------------------------------------------------------------------

def dispatch_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "fulfilment_order_id": r["fulfilment_order_id"], "kind": r["kind"],
            "status": r["status"], "attempts": r["attempts"],
            "next_attempt_at": rfc3339(r["next_attempt_at"]),
            "last_attempt_at": rfc3339(r["last_attempt_at"]) if r["last_attempt_at"] else None,
            "last_status": r["last_status"], "last_error": r["last_error"],
            "sent_at": rfc3339(r["sent_at"]) if r["sent_at"] else None}


def list_dispatches(conn: Connection, fo_id: str | None = None, status: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(tpl_dispatch).order_by(tpl_dispatch.c.id.desc()).limit(limit)
    if fo_id:
        stmt = stmt.where(tpl_dispatch.c.fulfilment_order_id == fo_id)
    if status:
        stmt = stmt.where(tpl_dispatch.c.status == status)
    return [dispatch_view(r) for r in conn.execute(stmt).mappings()]


def dispatch_body(conn: Connection, d: Any) -> bytes:
    fo = get_fulfilment_order(conn, d["fulfilment_order_id"])
    ship_to = conn.execute(select(sales_order.c.shipping_address)
                           .where(sales_order.c.id == fo["order_id"])).scalar()
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


Sender = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with the standard library; returns the HTTP status (raises on no answer)."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def _claim(engine: Engine, limit: int, at: Any) -> list[dict[str, Any]]:
    """Take due pending dispatches: push their next attempt past the claim window and return
    what to send (url, secret, body), all in one short transaction."""
    def run(conn: Connection) -> list[dict[str, Any]]:
        stmt = (select(tpl_dispatch)
                .where(tpl_dispatch.c.status == "pending", tpl_dispatch.c.next_attempt_at <= at)
                .order_by(tpl_dispatch.c.next_attempt_at, tpl_dispatch.c.id).limit(limit))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)  # two workers never send one row
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        out = []
        for d in rows:
            ep = conn.execute(select(tpl_endpoint)
                              .where(tpl_endpoint.c.location_id == d["location_id"])
                              ).mappings().first()
            conn.execute(update(tpl_dispatch).where(tpl_dispatch.c.id == d["id"])
                         .values(next_attempt_at=at + timedelta(seconds=CLAIM_SECONDS)))
            out.append({"dispatch": d, "url": ep["url"] if ep else None,
                        "secret": ep["secret"] if ep else None,
                        "body": dispatch_body(conn, d)})
        return out
    return transact(engine, run)


def _record(engine: Engine, d: dict[str, Any], at: Any, status: int | None,
            error: str | None) -> str:
    ok = status is not None and 200 <= status < 300
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

    def run(conn: Connection) -> None:
        conn.execute(update(tpl_dispatch).where(tpl_dispatch.c.id == d["id"],
                                                tpl_dispatch.c.status == "pending")
                     .values(**values))
    transact(engine, run)
    return outcome


def send_pending(engine: Engine, *, limit: int = 50, at: Any = None,
                 sender: Sender = http_post) -> dict[str, int]:
    """Send every due dispatch once; returns counts {sent, retry, failed}. The HTTP calls run
    outside any transaction."""
    at = at or now()
    tally = {"sent": 0, "retry": 0, "failed": 0}
    for item in _claim(engine, limit, at):
        d = item["dispatch"]
        status: int | None = None
        error: str | None = None
        if item["url"] is None:
            error = "the 3PL location has no endpoint configured"
        else:
            ts = int(at.timestamp())
            try:
                status = sender(item["url"], item["body"],
                                {**signing.headers(item["secret"], ts, item["body"]),
                                 "X-Pesanan-Dispatch-Id": d["id"]})
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except (OSError, ValueError) as e:  # refused, timed out, bad URL
                error = f"{type(e).__name__}: {e}"[:500]
        outcome = _record(engine, d, at, status, error)
        tally[outcome] += 1
        # Never the secret or the body: the dispatch id, the outcome and the status.
        log.info("3pl dispatch %s: %s (%s)", d["id"], outcome, status or error)
    return tally


def run_dispatcher(engine: Engine, *, interval: float = 5.0,
                   should_stop: Callable[[], bool] = lambda: False) -> None:
    """A worker loop: send what is due, sleep, repeat."""
    while not should_stop():
        send_pending(engine)
        time.sleep(interval)


# --- inbound callbacks --------------------------------------------------------------------------

def verify_callback(conn: Connection, code: str, timestamp: str | None,
                    signature: str | None, body: bytes, at: int) -> dict[str, Any]:
    """The 3PL location the request is authentically from; Unauthenticated otherwise (an
    unknown location looks the same as a bad signature: nothing to probe)."""
    row = conn.execute(
        select(location.c.id, location.c.code, tpl_endpoint.c.secret)
        .join(tpl_endpoint, tpl_endpoint.c.location_id == location.c.id)
        .where(location.c.code == code, location.c.kind == "3pl")).first()
    reason = "unknown 3PL location" if row is None else signing.verify(
        row.secret, timestamp, signature, body, at)
    if reason is not None:
        raise Unauthenticated(f"callback refused: {reason}")
    assert row is not None
    return {"id": row.id, "code": row.code}


def tpl_actor(code: str) -> Actor:
    return Actor(id=f"3pl:{code}", name=f"3pl {code}", role="warehouse")


def new_callback_id() -> str:
    return new_id()
