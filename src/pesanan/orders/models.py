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
    # Who keyed a pos/phone order and where (a store or the call centre's location).
    Column("keyed_by", String(100), nullable=True),
    Column("keyed_at_location_id", String(36), ForeignKey("location.id"), nullable=True),
    Column("shipping_address", JSON, nullable=True),
    Column("note", String(1000), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("total = subtotal + tax_total", name="total_is_sum"),
    CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name="paid_within_total"),
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
    CheckConstraint("quantity > 0", name="quantity_positive"),
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
