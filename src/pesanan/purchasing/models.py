from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

supplier = Table(
    "supplier",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

supplier_offer = Table(
    "supplier_offer",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("supplier_id", String(36), ForeignKey("supplier.id"), nullable=False),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False, index=True),
    Column("price", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("min_order_qty", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("supplier_id", "product_id", name="uq_supplier_offer_supplier_product"),
    CheckConstraint("price > 0", name="price_positive"),
    CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
    CheckConstraint("min_order_qty >= 1", name="moq_positive"),
)

reorder_rule = Table(
    "reorder_rule",
    metadata,
    Column("product_id", String(36), ForeignKey("product.id"), primary_key=True),
    Column("location_id", String(36), ForeignKey("location.id"), primary_key=True),
    Column("reorder_point", Integer, nullable=False),
    Column("reorder_qty", Integer, nullable=False),
    CheckConstraint("reorder_point >= 0", name="point_not_negative"),
    CheckConstraint("reorder_qty >= 1", name="qty_positive"),
)

purchase_order = Table(
    "purchase_order",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False, unique=True),
    Column("supplier_id", String(36), ForeignKey("supplier.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    # draft | ordered | partially_received | received | cancelled
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount, nullable=False),
    Column("expected_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

purchase_order_line = Table(
    "purchase_order_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("purchase_order_id", String(36), ForeignKey("purchase_order.id"), nullable=False,
           index=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False,
           index=True),
    Column("quantity", Integer, nullable=False),
    Column("quantity_received", Integer, nullable=False, default=0),
    Column("unit_cost", Amount, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "quantity_received >= 0 AND quantity_received <= quantity", name="received_within_ordered"
    ),
)
