from sqlalchemy import Boolean, CheckConstraint, Column, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import Amount, Ratio, UTCDateTime

product = Table(
    "product",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("price", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("tax_rate", Ratio, nullable=False),
    Column("standard_cost", Amount, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("price >= 0", name="price_not_negative"),
    CheckConstraint("standard_cost >= 0", name="cost_not_negative"),
    CheckConstraint("tax_rate >= 0 AND tax_rate < 10000", name="tax_rate_range"),
)
