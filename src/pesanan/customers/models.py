from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

customer = Table(
    "customer",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=True, unique=True),
    Column("phone", String(40), nullable=True),
    Column("kind", String(8), nullable=False),  # b2c | b2b
    Column("payment_preference", String(20), nullable=False),
    Column("credit_limit", Amount, nullable=True),
    # The credit limit's currency; the hold rule compares it with orders in that currency only.
    Column("credit_currency", String(3), nullable=True),
    # Payment terms: an invoice is due this many days after it is issued (billing's due date);
    # None keeps billing's default by kind (b2b 30 days, b2c on issue). Issue 12, 0023.
    Column("payment_terms_days", Integer, nullable=True),
    CheckConstraint("payment_terms_days >= 0 AND payment_terms_days <= 365",
                    name="payment_terms_days_range"),
    Column("created_at", UTCDateTime, nullable=False),
)

address = Table(
    "address",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customer.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # shipping | billing
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=True),
    Column("city", String(100), nullable=False),
    Column("region", String(100), nullable=True),
    Column("postal_code", String(20), nullable=True),
    Column("country", String(2), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
)
