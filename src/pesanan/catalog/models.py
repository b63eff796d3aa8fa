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
    # Oversell policy (issue 4): `deny` refuses a short line; `backorder` records the shortfall
    # up to `backorder_limit` units open at once. `backorder_open` is that running total, kept
    # by a guarded UPDATE (so concurrent orders cannot pass the limit) and audited.
    Column("oversell_policy", String(10), nullable=False, default="deny",
           server_default="deny"),
    Column("backorder_limit", Integer, nullable=False, default=0, server_default="0"),
    Column("backorder_open", Integer, nullable=False, default=0, server_default="0"),
    CheckConstraint("oversell_policy IN ('deny', 'backorder')", name="oversell_policy_known"),
    CheckConstraint("backorder_limit >= 0", name="backorder_limit_not_negative"),
    CheckConstraint("backorder_open >= 0 AND backorder_open <= backorder_limit",
                    name="backorder_open_within_limit"),
)
