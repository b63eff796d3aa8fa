from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pesanan.db.base import metadata
from pesanan.db.types import Amount, Ratio, UTCDateTime

sales_order = Table(
    "sales_order",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False, unique=True),
    Column("channel", String(8), nullable=False),  # web | pos | phone
    Column("customer_id", String(36), ForeignKey("customer.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("financial_status", String(24), nullable=False),
    Column("fulfillment_status", String(24), nullable=False),
    Column("subtotal", Amount, nullable=False),
    Column("tax_total", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    Column("amount_invoiced", Amount, nullable=False, default=0),
    Column("amount_paid", Amount, nullable=False, default=0),
    # Money paid back (returns): amount_paid stays what was received, so paid - refunded is net.
    Column("amount_refunded", Amount, nullable=False, default=0),
    # Who keyed a pos/phone order and where (a store or the call centre's location).
    Column("keyed_by", String(100), nullable=True),
    Column("keyed_at_location_id", String(36), ForeignKey("location.id"), nullable=True),
    Column("shipping_address", JSON, nullable=True),
    Column("note", String(1000), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("total = subtotal + tax_total", name="total_is_sum"),
    # Not "amount_paid <= total": an edit that lowers the total of a paid order leaves a refund
    # due (paid - total) until it is refunded; `pesanan audit` checks that only an edited order
    # is ever overpaid (migration 0006 replaced the old paid_within_total CHECK).
    CheckConstraint("amount_paid >= 0", name="paid_not_negative"),
    CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount_paid",
                    name="refunded_within_paid"),
    Index("ix_sales_order_customer_placed", "customer_id", "placed_at"),
    Index("ix_sales_order_placed_at", "placed_at"),
    Index("ix_sales_order_status", "status"),
)

order_line = Table(
    "order_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("quantity_shipped", Integer, nullable=False, default=0),
    Column("unit_price", Amount, nullable=False),
    Column("tax_rate", Ratio, nullable=False),
    Column("subtotal", Amount, nullable=False),
    Column("tax", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    # 0 = removed by an order edit (orders/edits.py): the row stays, because reservations,
    # shipments and fulfilment lines name it (migration 0006 relaxed the old "quantity > 0").
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    CheckConstraint(
        "quantity_shipped >= 0 AND quantity_shipped <= quantity", name="shipped_within_ordered"
    ),
)

# The timeline: every status change and notable fact about an order, in order.
order_event = Table(
    "order_event",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("field", String(24), nullable=True),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=True),
    Column("message", String(500), nullable=False),
    Column("actor", String(100), nullable=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Index("ix_order_event_order", "order_id", "id"),
)

# --- holds and edits (migration 0006, orders/holds.py, orders/edits.py) ----------------------

# Automatic hold rules, evaluated when an order is placed (orders/holds_rules.py says what each
# kind means and which parameters it takes).
hold_rule = Table(
    "hold_rule",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("note", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Why an order is (or was) on hold: one row per rule hit or manual hold. Active rows are
# resolved together when the hold is released or the held order is cancelled.
order_hold = Table(
    "order_hold",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("rule_id", String(36), ForeignKey("hold_rule.id"), nullable=True),
    Column("kind", String(24), nullable=False),  # a rule kind, or manual
    Column("reason", String(500), nullable=False),
    Column("status", String(10), nullable=False),  # active | released | cancelled
    Column("actor", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    Column("resolution_note", String(500), nullable=True),
    # The review queue reads active holds, oldest first.
    Index("ix_order_hold_status_id", "status", "id"),
)

# One row per order edit, numbered 1, 2, 3… per order (audited: contiguous).
order_revision = Table(
    "order_revision",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False),
    Column("version", Integer, nullable=False),
    # The order's concurrency version after this edit (sales_order.version).
    Column("order_version", Integer, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("total_before", Amount, nullable=False),
    Column("total_after", Amount, nullable=False),
    Column("amount_invoiced", Amount, nullable=False),
    Column("amount_paid", Amount, nullable=False),  # net of refunds, at the edit
    Column("balance_due", Amount, nullable=False),
    Column("refund_due", Amount, nullable=False),
    Column("note", String(500), nullable=True),
    Column("actor", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("balance_due >= 0 AND refund_due >= 0 AND NOT "
                    "(balance_due > 0 AND refund_due > 0)", name="one_side_due"),
)

# --- tags (migration 0017, orders/tags.py) -----------------------------------------------------

# Labels on an order (`vip`, `fraud-check`), added by a person or an automation rule; a rule's
# condition `tags contains x` reads them. One row per (order, tag): adding it twice is a no-op.
order_tag = Table(
    "order_tag",
    metadata,
    Column("order_id", String(36), ForeignKey("sales_order.id"), primary_key=True),
    Column("tag", String(40), primary_key=True),
    Column("actor", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- SLA breaches (migration 0018, orders/sla.py, flows/sla.py) ------------------------------

# Each (order, stage) whose wait passed the shop's threshold, reported once: the scheduled job
# `orders.sla` emits `sla.breached` only where it inserts the row, in the same transaction.
order_sla_breach = Table(
    "order_sla_breach",
    metadata,
    Column("order_id", String(36), ForeignKey("sales_order.id"), primary_key=True),
    Column("stage", String(16), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
    Column("threshold_seconds", Integer, nullable=False),
    Column("reported_at", UTCDateTime, nullable=False),
)
