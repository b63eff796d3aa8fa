"""Sending webhook deliveries: the webhook `Kind` of the one delivery machinery
(delivery/machine.py: claim with a lease, send over a few kept connections through
pesanan/outbound outside any transaction, record every attempt fenced on its lease, back off
per delivery/backoff.py).

What is webhooks' own:
- Which deliveries are due (webhooks/locks.py: SKIP LOCKED on PostgreSQL, and only the
  earliest pending one per endpoint and order, so one order's events reach an endpoint in
  order). A retry carries the same `webhook-id`, so the receiver can tell it is a repeat.
- The message: the event's envelope (built from its outbox row), signed with every live
  secret (signing.py).
- The backoff counts from when the delivery was last queued (created or replayed).
- After an attempt: 410 means the receiver unsubscribed, the endpoint is disabled. An
  endpoint failing for `disable_after`, or whose delivery ran out of attempts with nothing
  getting through meanwhile, is disabled (with `endpoint.disabled`).

A recorded error can describe the internal network; the API shows deliveries to admins only.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from pesanan.config import Settings
from pesanan.core.clock import now
from pesanan.core.crypto import SecretBox, SecretUnreadable
from pesanan.delivery import machine
from pesanan.delivery.machine import Item, Outcome, Sender
from pesanan.events import consumers
from pesanan.outbound import Client
from pesanan.webhooks import fanout, locks, signing
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from pesanan.webhooks.service import disable_endpoint

BATCH = 32
__all__ = ["BATCH", "Outcome", "Rules", "Sender", "attempt", "claim", "record", "rules_for",
           "send_due"]


@dataclass(frozen=True)
class Rules:
    """How failures are treated (from Settings; tests shrink them)."""

    backoff_scale: float = 1.0
    disable_after: timedelta = timedelta(days=5)


def rules_for(settings: Settings) -> Rules:
    return Rules(settings.webhook_backoff_scale,
                 timedelta(seconds=settings.webhook_disable_after_seconds))


def _keys(box: SecretBox, ep: Any, at: datetime) -> list[str]:
    """The secrets to sign with: the current one, and the previous one during its overlap.
    A secret sealed under another key is left out (its attempt fails, the others go)."""
    sealed = [ep["secret_sealed"]]
    until = ep["previous_secret_until"]
    if ep["previous_secret_sealed"] and until is not None and until > at:
        sealed.append(ep["previous_secret_sealed"])
    opened = _opened.setdefault(box, {})
    keys = []
    for s in sealed:
        if s not in opened:
            try:
                opened[s] = box.open(s)
            except SecretUnreadable:
                continue
        keys.append(opened[s])
    return keys


# Secrets already unsealed, per box (Fernet's decrypt and MAC per delivery was a tenth of the
# claim's time). Keyed by the sealed value: a rotation seals a new one, so nothing goes stale;
# the few kept are what signing holds in memory anyway. A failure is not kept, so a key
# added to the box later is tried again.
_opened: weakref.WeakKeyDictionary[SecretBox, dict[str, str]] = weakref.WeakKeyDictionary()


def _body(row: dict[str, Any]) -> str | None:
    """A delivery's body: its stored payload (made before migration 0024), else built from its
    outbox row (claimed with it: locks.py), which never changes once stamped, so every retry
    and replay sends the same bytes. None if the event were gone from the outbox."""
    if row["payload"] is not None:
        return str(row["payload"])
    if row["ev_id"] is None:
        return None
    return fanout.payload_of_text(consumers.envelope(
        {n: row[f"ev_{n}"] for n in locks.EVENT_COLUMNS}))


@dataclass
class Webhooks:
    """The webhook Kind (delivery/machine.py)."""

    box: SecretBox | None  # opens the secrets to sign with; recording needs none
    rules: Rules
    name = "webhook delivery"
    rows = webhook_delivery
    attempts = webhook_attempt
    parent = "delivery_id"
    done = "delivered"
    done_at = "delivered_at"

    @property
    def scale(self) -> float:
        return self.rules.backoff_scale

    def due(self, conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
        return locks.due_deliveries(conn, at, limit)

    def prepare(self, conn: Connection, rows: list[dict[str, Any]], until: datetime,
                at: datetime) -> list[Item]:
        return [self.item({**r, "payload": _body(r)},
                           {n: r[f"ep_{n}"] for n in locks.ENDPOINT_COLUMNS}, until, at)
                for r in rows]

    def item(self, d: dict[str, Any], ep: Any, until: datetime, at: datetime) -> Item:
        """What to send for delivery row `d` (its payload set) to endpoint `ep` (its
        ENDPOINT_COLUMNS), leased until `until`."""
        if d["payload"] is None:  # its event is gone from the outbox: nothing to send
            return Item(d, until, ep["url"], b"", {}, refusal=f"event {d['event_id']} is no "
                        "longer in the outbox", extra={"failing": ep["failing_since"] is not None})
        keys = _keys(self.box, ep, at) if self.box is not None else []
        # Signed when claimed, a moment before the send (the lease is a few seconds long).
        headers = {"Content-Type": "application/json", "User-Agent": "Pesanan-Webhooks/1",
                   **signing.headers(keys, signing.webhook_id(d["id"]), now(), d["payload"])
                   } if keys else {}
        return Item(d, until, ep["url"], d["payload"].encode(), headers,
                    refusal=None if keys else
                    "the endpoint's secret cannot be unsealed with the current key",
                    extra={"failing": ep["failing_since"] is not None})

    def queued(self, row: dict[str, Any]) -> int:
        return int(row["queued_attempts"])

    def after(self, conn: Connection, item: Item, outcome: Outcome, name: str,
              at: datetime) -> None:
        if not (outcome.ok and not item.extra["failing"]):  # a healthy endpoint: no write
            _endpoint_health(conn, item.row, outcome, name, at, self.rules)


def claim(engine: Engine, at: datetime, lease: timedelta, box: SecretBox,
          limit: int = BATCH) -> list[Item]:
    """Take up to `limit` due deliveries under a lease; what to send for each."""
    return machine.claim(engine, Webhooks(box, Rules()), at, lease, limit)


def attempt(item: Item, sender: Sender) -> Outcome:
    """Send one delivery once; never raises (every failure belongs to the delivery)."""
    return machine.attempt(Webhooks.name, item, sender)


def record(conn: Connection, item: Item, outcome: Outcome, at: datetime, rules: Rules) -> str:
    """Write the attempt and its consequences; "lost" when the lease was no longer ours."""
    return machine.record(conn, Webhooks(None, rules), item, outcome, at)


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
    """One batch: claim, send, record. Returns how many were claimed (attempted, or released
    unstarted when the batch ran out of time: delivery/machine.py)."""
    return len(machine.send_batch(engine, Webhooks(box, rules or Rules()), client,
                                  limit=limit, sender=sender))
