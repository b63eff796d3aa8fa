"""Sending deliveries: claim the due ones with a lease, POST them signed through the one
outbound client (pesanan/outbound: SSRF-checked after DNS, no redirects, a total deadline, a
capped answer) outside any transaction, and record each attempt.

- Claim: one short transaction takes up to BATCH due deliveries (webhooks/locks.py: SKIP
  LOCKED on PostgreSQL, and only the earliest pending one per endpoint and order, so one
  order's events reach an endpoint in order) and pushes each one's next attempt to the end
  of a lease the send cannot outlast. A crashed worker's lease runs out and the delivery is
  sent again — with the same `webhook-id`, so the receiver can tell it is a repeat.
- Send: the batch goes out in parallel (one thread per delivery, so a slow endpoint costs
  one deadline, not BATCH of them), signed with every live secret (signing.py).
- Record: one transaction per batch, each attempt fenced on its lease (the delivery is
  still pending, with the attempt count and lease end this worker set), so a late sender
  never overwrites a newer attempt. 2xx: delivered. 410: the receiver unsubscribed, the
  endpoint is disabled. Else the next attempt waits per backoff.py; after the last one the
  delivery is failed. An endpoint failing for `disable_after`, or whose delivery ran out of
  attempts with nothing getting through meanwhile, is disabled (with `endpoint.disabled`).

A recorded error can describe the internal network; the API shows deliveries to admins only.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from pesanan.config import Settings
from pesanan.core.clock import now
from pesanan.core.crypto import SecretBox, SecretUnreadable
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.outbound import Answer, Client, OutboundError
from pesanan.webhooks import backoff, locks, signing
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from pesanan.webhooks.service import disable_endpoint

log = logging.getLogger("pesanan.webhooks")
BATCH = 16
LEASE_FACTOR = 3  # deadlines per lease: the send, plus slack for the two transactions
EXCERPT = 500

Sender = Callable[[str, bytes, dict[str, str]], Answer]


@dataclass(frozen=True)
class Rules:
    """How failures are treated (from Settings; tests shrink them)."""

    backoff_scale: float = 1.0
    disable_after: timedelta = timedelta(days=5)


def rules_for(settings: Settings) -> Rules:
    return Rules(settings.webhook_backoff_scale,
                 timedelta(seconds=settings.webhook_disable_after_seconds))


@dataclass
class Outcome:
    status: int | None
    error: str | None
    excerpt: str | None
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def _keys(box: SecretBox, ep: Any, at: datetime) -> list[str]:
    """The secrets to sign with: the current one, and the previous one during its overlap.
    A secret sealed under another key is left out (its attempt fails, the others go)."""
    sealed = [ep["secret_sealed"]]
    until = ep["previous_secret_until"]
    if ep["previous_secret_sealed"] and until is not None and until > at:
        sealed.append(ep["previous_secret_sealed"])
    keys = []
    for s in sealed:
        try:
            keys.append(box.open(s))
        except SecretUnreadable:
            continue
    return keys


def claim(engine: Engine, at: datetime, lease: timedelta, box: SecretBox,
          limit: int = BATCH) -> list[dict[str, Any]]:
    """Take up to `limit` due deliveries under a lease; what to send for each."""
    def run(conn: Connection) -> list[dict[str, Any]]:
        rows = locks.due_deliveries(conn, at, limit)
        if not rows:
            return []
        until = at + lease
        conn.execute(update(webhook_delivery)
                     .where(webhook_delivery.c.id.in_([r["id"] for r in rows]))
                     .values(next_attempt_at=until))
        eps = {e["id"]: e for e in conn.execute(
            select(webhook_endpoint).where(
                webhook_endpoint.c.id.in_({r["endpoint_id"] for r in rows}))).mappings()}
        return [{"delivery": r, "until": until, "url": eps[r["endpoint_id"]]["url"],
                 "keys": _keys(box, eps[r["endpoint_id"]], at),
                 "failing": eps[r["endpoint_id"]]["failing_since"] is not None} for r in rows]
    return transact(engine, run)


def attempt(item: dict[str, Any], sender: Sender) -> Outcome:
    """Send one delivery once; never raises (every failure belongs to the delivery)."""
    d = item["delivery"]
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)
    if not item["keys"]:
        return Outcome(None, "the endpoint's secret cannot be unsealed with the current key",
                       None, 0)
    body = d["payload"].encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Pesanan-Webhooks/1",
               **signing.headers(item["keys"], signing.webhook_id(d["id"]), now(),
                                 d["payload"])}
    try:
        answer = sender(item["url"], body, headers)
    except OutboundError as exc:
        return Outcome(None, str(exc)[:EXCERPT], None, took())
    except Exception as exc:  # a bug must not stop the batch; the log keeps the traceback
        log.exception("webhook delivery %s: unexpected failure", d["id"])
        return Outcome(None, f"internal error: {type(exc).__name__}", None, took())
    excerpt = answer.body[:EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT] or None
    error = (f"HTTP {answer.status} (redirects are not followed)"
             if 300 <= answer.status < 400 else
             None if 200 <= answer.status < 300 else f"HTTP {answer.status}")
    return Outcome(answer.status, error, excerpt, took())


def _next(d: dict[str, Any], outcome: Outcome, at: datetime, rules: Rules
          ) -> tuple[str, dict[str, Any]]:
    """The attempt's outcome name and the delivery's new values."""
    attempts = d["attempts"] + 1
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": at,
                              "last_status": outcome.status, "last_error": outcome.error}
    if outcome.ok:
        return "delivered", {**values, "status": "delivered", "delivered_at": at}
    wait = backoff.delay_after(attempts - d["queued_attempts"], random.random(),
                               rules.backoff_scale)
    if wait is None:
        return "failed", {**values, "status": "failed"}
    return "retry", {**values, "next_attempt_at": at + timedelta(seconds=wait)}


def record(conn: Connection, item: dict[str, Any], outcome: Outcome, at: datetime,
           rules: Rules) -> str:
    """Write the attempt and its consequences; "lost" when the lease was no longer ours."""
    d = item["delivery"]
    name, values = _next(d, outcome, at, rules)
    done = conn.execute(update(webhook_delivery).where(
        webhook_delivery.c.id == d["id"], webhook_delivery.c.status == "pending",
        webhook_delivery.c.attempts == d["attempts"],
        webhook_delivery.c.next_attempt_at == item["until"]).values(**values)).rowcount
    if done != 1:
        log.warning("webhook delivery %s: lease lost, attempt not recorded", d["id"])
        return "lost"
    conn.execute(webhook_attempt.insert().values(
        id=new_id(), delivery_id=d["id"], attempted_at=at, status=outcome.status,
        latency_ms=outcome.latency_ms, response_excerpt=outcome.excerpt,
        error=outcome.error, outcome=name))
    if not (outcome.ok and not item["failing"]):  # a healthy endpoint stays so: no write
        _endpoint_health(conn, d, outcome, name, at, rules)
    return name


def _endpoint_health(conn: Connection, d: dict[str, Any], outcome: Outcome, name: str,
                     at: datetime, rules: Rules) -> None:
    ep = webhook_endpoint.c
    if outcome.ok:  # a no-op (and no lock) unless the endpoint had been failing
        conn.execute(update(webhook_endpoint).where(
            ep.id == d["endpoint_id"], ep.failing_since.is_not(None)).values(failing_since=None))
        return
    conn.execute(update(webhook_endpoint).where(
        ep.id == d["endpoint_id"], ep.failing_since.is_(None)).values(failing_since=at))
    reason = _disable_reason(conn, d, outcome, name, at, rules)
    if reason is not None:
        disable_endpoint(conn, d["endpoint_id"], reason, at)


def _disable_reason(conn: Connection, d: dict[str, Any], outcome: Outcome, name: str,
                    at: datetime, rules: Rules) -> str | None:
    if outcome.status == 410:
        return "the endpoint answered 410 Gone"
    since = conn.execute(select(webhook_endpoint.c.failing_since)
                         .where(webhook_endpoint.c.id == d["endpoint_id"])).scalar_one()
    if since is not None and at - since >= rules.disable_after:
        return f"every delivery failed for {at - since} (since {since:%Y-%m-%d %H:%M} UTC)"
    if name == "failed":
        first = conn.execute(select(func.min(webhook_attempt.c.attempted_at))
                             .where(webhook_attempt.c.delivery_id == d["id"])).scalar_one()
        if since is not None and first is not None and since <= first:
            return f"delivery {d['id']} ran out of attempts and nothing got through meanwhile"
    return None


def send_due(engine: Engine, box: SecretBox, client: Client, rules: Rules | None = None, *,
             limit: int = BATCH, sender: Sender | None = None) -> int:
    """One batch: claim, send in parallel, record. Returns how many were attempted."""
    rules = rules or Rules()
    lease = timedelta(seconds=LEASE_FACTOR * client.deadline)
    items = claim(engine, now(), lease, box, limit)
    if not items:
        return 0
    send = sender or client.post
    with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="webhook") as pool:
        outcomes = list(pool.map(lambda it: (attempt(it, send), now()), items))
    # One transaction records the whole batch (each row still fenced on its own lease): a
    # transaction per attempt was most of a batch's time.
    results = transact(engine, lambda conn: [
        record(conn, item, outcome, at, rules)
        for item, (outcome, at) in zip(items, outcomes, strict=True)])
    for item, (outcome, _), result in zip(items, outcomes, results, strict=True):
        log.info("webhook delivery %s: %s (%s)", item["delivery"]["id"], result,
                 outcome.status or outcome.error)
    return len(items)
