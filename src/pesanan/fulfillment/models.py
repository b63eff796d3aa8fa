from sqlalchemy import (
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
    func,
)

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

shipment = Table(
    "shipment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False, unique=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("carrier", String(60), nullable=False),
    Column("service", String(8), nullable=False),  # parcel | LTL | 3PL
    Column("tracking_number", String(100), nullable=False),
    Column("status", String(12), nullable=False),  # shipped | delivered | failed
    Column("shipped_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    # Added by 0005: the fulfilment order it left under (null for shipments made before it),
    # the carrier's tracking link, and a failed delivery attempt.
    Column("fulfilment_order_id", String(36), ForeignKey("fulfilment_order.id"), nullable=True,
           index=True),
    Column("tracking_url", String(600), nullable=True),
    Column("failed_at", UTCDateTime, nullable=True),
    Column("failure_reason", String(200), nullable=True),
)

shipment_line = Table(
    "shipment_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("shipment_id", String(36), ForeignKey("shipment.id"), nullable=False, index=True),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_cost", Amount, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# --- fulfilment orders (issue 4) --------------------------------------------------------------
# One per location per release of an order: the warehouse's (or 3PL's) work item. Its lines are
# pegged to order lines; units on the lines of non-cancelled fulfilment orders always equal the
# line's open reservations plus what it shipped (checked by `pesanan audit`).
fulfilment_order = Table(
    "fulfilment_order",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    # 1, 2, … within the order: shown as SO-000123-1, so no sequence is drawn on the hot path.
    Column("seq", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # see fulfillment/status.py
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "seq", name="uq_fulfilment_order_order_id_seq"),
    # The queue: a location's fulfilment orders by status, newest first.
    Index("ix_fulfilment_order_location_status_id", "location_id", "status", "id"),
    Index("ix_fulfilment_order_status_id", "status", "id"),
)

fulfilment_order_line = Table(
    "fulfilment_order_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("fulfilment_order_id", String(36), ForeignKey("fulfilment_order.id"),
           nullable=False, index=True),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False,
           index=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("quantity_picked", Integer, nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("quantity_picked >= 0 AND quantity_picked <= quantity",
                    name="picked_within_quantity"),
    CheckConstraint("quantity_shipped >= 0 AND quantity_shipped <= quantity",
                    name="shipped_within_quantity"),
)

carrier = Table(
    "carrier",
    metadata,
    Column("id", String(36), primary_key=True),
    # Unique case-insensitively (the index below): "dhl" and "DHL" are one carrier.
    Column("code", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    # e.g. https://track.example.com/{tracking}; {tracking} is replaced, URL-quoted.
    Column("tracking_url_template", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("uq_carrier_lower_code", func.lower(carrier.c.code), unique=True)

# A 3PL location's endpoint. The secret is kept (HMAC needs it to sign and to verify); it is
# shown once when set and never listed, logged or put in an event.
tpl_endpoint = Table(
    "tpl_endpoint",
    metadata,
    Column("location_id", String(36), ForeignKey("location.id"), primary_key=True),
    Column("url", String(500), nullable=False),
    # The shared HMAC secret, sealed (core/crypto.py: "fernet:" + token); never plain text.
    Column("secret_sealed", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Outbox: written in the transaction that releases (or withdraws) a 3PL fulfilment order, sent
# after commit by the one delivery machinery (fulfillment/dispatch.py), retried with backoff.
tpl_dispatch = Table(
    "tpl_dispatch",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("fulfilment_order_id", String(36), ForeignKey("fulfilment_order.id"),
           nullable=False, index=True),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # release | cancel
    Column("status", String(10), nullable=False),  # pending | sent | failed | cancelled
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_tpl_dispatch_status_next_attempt_at", "status", "next_attempt_at"),
)

# Every attempt to send a dispatch, with its answer (delivery/machine.py writes it, the same log
# as webhook_attempt): why a 3PL is not getting its orders, in the 3PL's own words.
tpl_dispatch_attempt = Table(
    "tpl_dispatch_attempt",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("dispatch_id", String(36), ForeignKey("tpl_dispatch.id"), nullable=False,
           index=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=True),  # the HTTP status; None: no answer
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", String(500), nullable=True),
    Column("error", String(500), nullable=True),
    Column("outcome", String(10), nullable=False),  # sent | retry | failed
)

# Processed 3PL callbacks, one per (location, event id): a replay answers the stored result.
tpl_callback = Table(
    "tpl_callback",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("result", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("location_id", "event_id", name="uq_tpl_callback_location_id_event_id"),
)
