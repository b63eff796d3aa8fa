from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
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
    # Sourcing (issue 4): where the location is, for "nearest to the ship-to", and the sales
    # channels it may serve ("web,pos"; NULL = every channel). See inventory/allocation.py.
    Column("region", String(100), nullable=True),
    Column("country", String(2), nullable=True),
    Column("channels", String(64), nullable=True),
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
    # Units sourcing never plans (kept for walk-in customers, damaged-count slack): issue 4.
    Column("safety_stock", Integer, nullable=False, default=0, server_default="0"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
)

# Append-only: every change of on hand is one row; on_hand = SUM(quantity) is audited.
stock_movement = Table(
    "stock_movement",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # adjustment | receipt | shipment | return
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
    Column("product_id", String(36), nullable=False),
    Column("location_id", String(36), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open | released | consumed
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    # Its stock row (which references the product and the location): reserving updates that
    # row first, so it exists; one check per row instead of two (migration 0025).
    ForeignKeyConstraint(["product_id", "location_id"],
                         ["stock_level.product_id", "stock_level.location_id"]),
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

# --- stock states (issue 4): quarantine, transfers in transit, cycle counts ----------------------

# Units held apart at a location (damaged, returned for inspection): not on hand for sale, not
# available. quantity = SUM(quarantine_movement.quantity), audited.
quarantine_level = Table(
    "quarantine_level",
    metadata,
    Column("product_id", String(36), ForeignKey("product.id"), primary_key=True),
    Column("location_id", String(36), ForeignKey("location.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
)

# Append-only journal of quarantine: kind in (from shelf), return (straight in, e.g. an RMA),
# release (back to sellable, negative), scrap (written off, negative).
quarantine_movement = Table(
    "quarantine_movement",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("reference_type", String(32), nullable=True),
    Column("reference_id", String(36), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity <> 0", name="quantity_not_zero"),
    Index("ix_quarantine_movement_product_location_id", "product_id", "location_id", "id"),
)

# Transfers between locations: draft -> in_transit -> partially_received -> received, or
# draft -> cancelled. In transit per line = quantity_shipped - quantity_received.
stock_transfer = Table(
    "stock_transfer",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("from_location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("to_location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
    Index("ix_stock_transfer_status", "status"),
)

stock_transfer_line = Table(
    "stock_transfer_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transfer_id", String(36), ForeignKey("stock_transfer.id"), nullable=False,
           index=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    Column("quantity_received", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("quantity_shipped >= 0 AND quantity_shipped <= quantity",
                    name="shipped_within_quantity"),
    CheckConstraint("quantity_received >= 0 AND quantity_received <= quantity_shipped",
                    name="received_within_shipped"),
    # Levels read in transit per (product, destination): from the product's lines.
    Index("ix_stock_transfer_line_product_id", "product_id"),
)

# The transfer's timeline: one row per thing that happened to it.
stock_transfer_event = Table(
    "stock_transfer_event",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transfer_id", String(36), ForeignKey("stock_transfer.id"), nullable=False,
           index=True),
    Column("kind", String(20), nullable=False),
    Column("message", String(500), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Cycle counts (and CSV imports, which post as counts): counted quantities per SKU at one
# location; posting adjusts on hand by counted - on hand at posting time.
stock_count = Table(
    "stock_count",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("location_id", String(36), ForeignKey("location.id"), nullable=False),
    Column("status", String(10), nullable=False),  # counted | posted | cancelled
    Column("source", String(10), nullable=False),  # count | import
    Column("created_at", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime, nullable=True),
)

stock_count_line = Table(
    "stock_count_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("count_id", String(36), ForeignKey("stock_count.id"), nullable=False, index=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("expected", Integer, nullable=False),  # on hand when counted
    Column("counted", Integer, nullable=False),
    Column("difference", Integer, nullable=True),  # what posting adjusted (set when posted)
    CheckConstraint("counted >= 0", name="counted_not_negative"),
)


# A line's shortfall the SKU's oversell policy allowed (issue 4): pegged to the order line.
# `quantity_open` drops as receipts reserve stock for it (oldest first, flows/backorders.py)
# or to 0 when cancelled. Per line: ordered = shipped + open reservations + open backorder.
backorder = Table(
    "backorder",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("quantity_open", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open | filled | cancelled
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("quantity_open >= 0 AND quantity_open <= quantity", name="open_in_range"),
    Index("ix_backorder_product_status_id", "product_id", "status", "id"),
)
