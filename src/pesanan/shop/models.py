from sqlalchemy import CheckConstraint, Column, Integer, LargeBinary, String, Table, Text

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

# The shop's settings: one row, id 1 (the CHECK keeps it one). No row means the defaults
# (shop/profile.py DEFAULT); the first update inserts it.
shop_settings = Table(
    "shop_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("legal_name", String(200), nullable=False),
    Column("address", String(1000), nullable=False),
    Column("tax_id", String(40), nullable=True),
    Column("email", String(254), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("logo", LargeBinary, nullable=True),
    Column("logo_type", String(20), nullable=True),
    Column("time_zone", String(64), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("invoice_footer", Text, nullable=False),
    Column("payment_instructions", Text, nullable=False),
    Column("invoice_prefix", String(10), nullable=False),
    Column("credit_note_prefix", String(10), nullable=False),
    Column("purchase_order_prefix", String(10), nullable=False),
    Column("delivery_note_prefix", String(10), nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("updated_by", String(100), nullable=True),
    CheckConstraint("id = 1", name="single_row"),
)
