"""Sending the 3PL outbox: the 3PL `Kind` of the one delivery machinery (delivery/machine.py,
the same one webhooks use): due `tpl_dispatch` rows are claimed a batch at a time with a lease,
POSTed in parallel through the one outbound client (pesanan/outbound: SSRF-checked, no
redirects, a total deadline, a capped answer) after commit, and every attempt recorded fenced
on the lease, with a row in `tpl_dispatch_attempt` (status, latency, answer excerpt, error). A
failure is retried on the webhooks' schedule (delivery/backoff.py: eleven attempts over about
three days, jittered), then the dispatch is failed for a person.

What is the 3PL's own: which rows are due (fulfillment/locks.py), the message (the fulfilment
order as the 3PL needs it, signed with the location's secret in the 3PL format,
fulfillment/signing.py, plus X-Pesanan-Dispatch-Id so a repeat after a crashed sender's lease
is recognisable) and the names (`sent`, `sent_at`). A 3PL endpoint is never disabled: its
dispatches fail one by one and a person looks.

The recorded error and answer can describe the internal network ("connection refused" vs
"timed out" is a port scanner), so `dispatch_view` and `attempt_view` show them only when
asked for the detail (admins, who hold settings:read); everyone else sees "delivery failed",
the attempts and the next try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from pesanan.core.clock import rfc3339
from pesanan.core.crypto import SecretBox, SecretUnreadable
from pesanan.core.errors import NotFound
from pesanan.delivery import machine
from pesanan.delivery.machine import Item, Outcome, Sender
from pesanan.fulfillment import locks, signing
from pesanan.fulfillment.fo_queries import get_fulfilment_order
from pesanan.fulfillment.models import tpl_dispatch, tpl_dispatch_attempt, tpl_endpoint
from pesanan.orders import queries as orders
from pesanan.outbound import Client

BATCH = 16
GENERIC_ERROR = "delivery failed"


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


def attempt_view(r: Any, *, detail: bool = False) -> dict[str, Any]:
    error = r["error"]
    return {"id": r["id"], "dispatch_id": r["dispatch_id"],
            "attempted_at": rfc3339(r["attempted_at"]), "outcome": r["outcome"],
            "latency_ms": r["latency_ms"], "status": r["status"] if detail else None,
            "error": error if detail or error is None else GENERIC_ERROR,
            "response_excerpt": r["response_excerpt"] if detail else None}


def list_attempts(conn: Connection, dispatch_id: str, *, detail: bool = False
                  ) -> list[dict[str, Any]]:
    """Every attempt to send one dispatch, oldest first (NotFound: no such dispatch)."""
    if conn.execute(select(tpl_dispatch.c.id).where(tpl_dispatch.c.id == dispatch_id)
                    ).first() is None:
        raise NotFound(f"3PL dispatch {dispatch_id} not found")
    a = tpl_dispatch_attempt
    rows = conn.execute(select(a).where(a.c.dispatch_id == dispatch_id)
                        .order_by(a.c.attempted_at, a.c.id)).mappings()
    return [attempt_view(r, detail=detail) for r in rows]


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


def _unseal(box: SecretBox, sealed: str) -> str | None:
    try:
        return box.open(sealed)
    except SecretUnreadable:  # the key changed: that row fails, the others still go
        return None


@dataclass
class Tpl:
    """The 3PL Kind (delivery/machine.py)."""

    box: SecretBox | None  # opens the location secrets to sign with; recording needs none
    scale: float = 1.0  # shrinks the backoff (tests)
    name = "3pl dispatch"
    rows = tpl_dispatch
    attempts = tpl_dispatch_attempt
    parent = "dispatch_id"
    done = "sent"
    done_at = "sent_at"

    def due(self, conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
        return locks.due_dispatches(conn, at, limit)

    def prepare(self, conn: Connection, rows: list[dict[str, Any]], until: datetime,
                at: datetime) -> list[Item]:
        eps = {e["location_id"]: e for e in conn.execute(
            select(tpl_endpoint).where(
                tpl_endpoint.c.location_id.in_({r["location_id"] for r in rows}))).mappings()}
        return [self._item(conn, d, eps.get(d["location_id"]), until, at) for d in rows]

    def _item(self, conn: Connection, d: dict[str, Any], ep: Any, until: datetime,
              at: datetime) -> Item:
        body = dispatch_body(conn, d)
        if ep is None:
            return Item(d, until, None, body, {},
                        refusal="the 3PL location has no endpoint configured")
        secret = _unseal(self.box, ep["secret_sealed"]) if self.box is not None else None
        if secret is None:
            return Item(d, until, ep["url"], body, {}, refusal=(
                "the endpoint's secret cannot be unsealed with the current key"))
        # Signed when claimed, a moment before the send (the lease is a few seconds long).
        headers = {"Content-Type": "application/json",
                   **signing.headers(secret, int(at.timestamp()), body),
                   "X-Pesanan-Dispatch-Id": d["id"]}
        return Item(d, until, ep["url"], body, headers)

    def queued(self, row: dict[str, Any]) -> int:
        return 0  # a dispatch is queued once: the backoff counts from its first attempt

    def after(self, conn: Connection, item: Item, outcome: Outcome, name: str,
              at: datetime) -> None:
        return None  # nothing beyond the row and its attempt log


def claim(engine: Engine, at: datetime, lease: timedelta, box: SecretBox,
          limit: int = BATCH) -> list[Item]:
    """Take up to `limit` due dispatches under a lease; what to send for each."""
    return machine.claim(engine, Tpl(box), at, lease, limit)


def record(conn: Connection, item: Item, outcome: Outcome, at: datetime) -> str:
    """Write the attempt; "lost" when the lease was no longer ours."""
    return machine.record(conn, Tpl(None), item, outcome, at)


def send_pending(engine: Engine, box: SecretBox, client: Client, *, limit: int = 50,
                 at: datetime | None = None, sender: Sender | None = None,
                 scale: float = 1.0) -> dict[str, int]:
    """Send every due dispatch once (at most `limit`, BATCH at a time in parallel); returns
    counts {sent, retry, failed} (an attempt whose lease was lost counts in none). The HTTP
    calls run outside any transaction. `at` fixes the clock and `sender` replaces
    client.post (tests)."""
    kind = Tpl(box, scale)
    tally = {"sent": 0, "retry": 0, "failed": 0}
    while limit > 0:
        # A claimed row's next attempt moves past `at` (its lease, then its backoff), so a
        # fixed `at` cannot claim the same row twice in one pass.
        results = machine.send_batch(engine, kind, client, limit=min(BATCH, limit), at=at,
                                     sender=sender)
        if not results:
            break
        limit -= len(results)
        for result in results:
            if result in tally:
                tally[result] += 1
    return tally
