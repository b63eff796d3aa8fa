from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String, Table

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
    Column("status", String(12), nullable=False),  # shipped | delivered
    Column("shipped_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
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
