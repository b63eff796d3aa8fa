"""Returns tables: an RMA per return request, one line per returned order line."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

rma = Table(
    "rma",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(24), nullable=False, unique=True),  # RMA-2026-000001
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("customer_id", String(36), ForeignKey("customer.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    # requested | approved | rejected | received | refunded | exchanged | closed (status.py)
    Column("status", String(12), nullable=False),
    Column("note", String(500), nullable=True),
    Column("decision_note", String(500), nullable=True),  # why approved / rejected
    Column("location_id", String(36), ForeignKey("location.id"), nullable=True),  # received at
    Column("credit_note_id", String(36), ForeignKey("credit_note.id"), nullable=True),
    Column("exchange_order_id", String(36), ForeignKey("sales_order.id"), nullable=True),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_rma_status", "status"),
)

rma_line = Table(
    "rma_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("rma_id", String(36), ForeignKey("rma.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False, index=True),
    Column("product_id", String(36), ForeignKey("product.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("disposition", String(12), nullable=True),  # restock | quarantine | scrap (received)
    # The unit cost the shipment took these units out at; restock/quarantine put them back at it.
    Column("unit_cost", Amount, nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("disposition IS NULL OR disposition IN ('restock', 'quarantine', 'scrap')",
                    name="disposition_known"),
)
