"""Webhook tables: endpoints (who wants which events, with which secret), deliveries (one per
event and endpoint: the Standard Webhooks message, the same `webhook-id` on every retry and
replay) and attempts (every try, with its answer)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

webhook_endpoint = Table(
    "webhook_endpoint",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("description", String(200), nullable=True),
    # Types or prefixes ("order.*"); empty: every event.
    Column("event_types", JSON, nullable=False),
    # whsec_… sealed with the app's key (core/crypto.py); the previous one is still signed
    # with until previous_secret_until, so a receiver can switch keys without losing a message.
    Column("secret_sealed", String(500), nullable=False),
    Column("previous_secret_sealed", String(500), nullable=True),
    Column("previous_secret_until", UTCDateTime, nullable=True),
    Column("status", String(10), nullable=False),  # enabled | disabled
    Column("disabled_reason", String(200), nullable=True),
    Column("disabled_at", UTCDateTime, nullable=True),
    # The first failed attempt since the last success: how long the endpoint has been down.
    Column("failing_since", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('enabled', 'disabled')", name="status"),
)

webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", String(36), primary_key=True),  # the webhook-id is "msg_" + id
    Column("endpoint_id", String(36), ForeignKey("webhook_endpoint.id"), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(64), nullable=False),
    # The event's place in the feed, and its aggregate: one endpoint gets one order's events
    # in this order (an earlier pending one holds the later ones back).
    Column("position", BigInteger, nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    # The exact body, the same on every retry. Null (every delivery since migration 0024):
    # built from the outbox row `event_id` names when sent (deliver.py), not copied here,
    # where each of the row's two updates per attempt rewrote it.
    Column("payload", Text, nullable=True),
    Column("status", String(10), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),  # every try ever (fences the lease)
    # `attempts` when it was last queued (created or replayed): the backoff counts from here.
    Column("queued_attempts", Integer, nullable=False),
    # When it is due; while a worker sends it, the end of that worker's lease.
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # One message per event and endpoint, however often fan-out or a replay runs.
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_id_event_id"),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    # Pending rows only: what the claim scans (locks.py) and the per-order ordering check
    # reads. A delivered row leaves both, instead of weighing on them until it is purged.
    Index("ix_webhook_delivery_due", "next_attempt_at", "position",
          postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    Index("ix_webhook_delivery_pending_aggregate", "endpoint_id", "aggregate_type",
          "aggregate_id", "position",
          postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
)

webhook_attempt = Table(
    "webhook_attempt",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("delivery_id", String(36), ForeignKey("webhook_delivery.id"), nullable=False,
           index=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=True),  # the HTTP status; None: no answer
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", String(500), nullable=True),
    Column("error", String(500), nullable=True),
    Column("outcome", String(10), nullable=False),  # delivered | retry | failed
)
