from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

location = Table(
    "location",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # warehouse | store | 3pl
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per (product, location). The CHECKs make overselling impossible even for a bug:
# the guarded UPDATE in inventory.service is the first line of defence, these are the last.
stock_level = Table(
    "stock_level",
    metadata,
    Column("product_id", String(36), ForeignKey("product.id"), primary_key=True),
    Column("location_id", String(36), ForeignKey("location.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="available_not_negative"),
)

# Append-only: every change of on hand is one row; on_hand = SUM(quantity) is audited.
stock_movement = Table(
    "stock_movement",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # adjustment | receipt | shipment
    Column("reason", String(200), nullable=True),
    Column("reference_type", String(32), nullable=True),
    Column("reference_id", String(36), nullable=True),
    Column("unit_cost", Amount, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity <> 0", name="quantity_not_zero"),
    # Movement history per SKU and location, newest first, read in index order.
    Index("ix_stock_movement_product_location_id", "product_id", "location_id", "id"),
    Index("ix_stock_movement_product_id", "product_id", "id"),
)

# Open reservations hold stock for an order line at a location; `quantity` is what is still
# held (shipping decrements it), so SUM(quantity) of open rows = stock_level.reserved.
reservation = Table(
    "reservation",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open | released | consumed
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    Index("ix_reservation_product_location_status", "product_id", "location_id", "status"),
)

# Moving-average unit cost per product across all locations (standard cost until a receipt).
item_cost = Table(
    "item_cost",
    metadata,
    Column("product_id", String(36), ForeignKey("product.id"), primary_key=True),
    Column("average_cost", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
