from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import Amount, Ratio, UTCDateTime

invoice = Table(
    "invoice",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(24), nullable=False, unique=True),  # INV-2026-000001
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),  # gapless within the year
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    # Indexed: invoices and payments are listed by customer (console search, API filter).
    Column("customer_id", String(36), ForeignKey("customer.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Amount, nullable=False),
    Column("tax_total", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    Column("amount_paid", Amount, nullable=False, default=0),
    Column("status", String(20), nullable=False),  # issued | partially_paid | paid
    Column("issued_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    CheckConstraint("total = subtotal + tax_total", name="total_is_sum"),
    # Open invoices by due date: the dashboard's and billing page's "past due".
    Index("ix_invoice_status_due_at", "status", "due_at"),
    CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name="paid_within_total"),
)

payment = Table(
    "payment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("invoice_id", String(36), ForeignKey("invoice.id"), nullable=True, index=True),
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),  # card|bank_transfer|cash|cod|other
    Column("reference", String(100), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)

# Credit notes (returns): a gapless series of their own, CN-2026-000001, per year of issue in
# the shop's time zone (`year`), like invoices.
credit_note = Table(
    "credit_note",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("invoice_id", String(36), ForeignKey("invoice.id"), nullable=True, index=True),
    Column("rma_id", String(36), nullable=True, index=True),  # returns.rma (no FK: no cycle)
    Column("customer_id", String(36), ForeignKey("customer.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Amount, nullable=False),
    Column("tax_total", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    # Spent on a replacement order (exchange); what is left may still be refunded.
    Column("amount_applied", Amount, nullable=False, default=0),
    Column("reason", String(200), nullable=True),
    Column("issued_at", UTCDateTime, nullable=False),
    CheckConstraint("total = subtotal + tax_total", name="total_is_sum"),
    CheckConstraint("amount_applied >= 0 AND amount_applied <= total",
                    name="applied_within_total"),
)

credit_note_line = Table(
    "credit_note_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("credit_note_id", String(36), ForeignKey("credit_note.id"), nullable=False,
           index=True),
    Column("order_line_id", String(36), ForeignKey("order_line.id"), nullable=False, index=True),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount, nullable=False),
    Column("tax_rate", Ratio, nullable=False),
    Column("subtotal", Amount, nullable=False),
    Column("tax", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("total = subtotal + tax", name="total_is_sum"),
)

# Money paid back to the customer (cash out); amount_refunded on the order is their sum.
refund = Table(
    "refund",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("sales_order.id"), nullable=False, index=True),
    Column("credit_note_id", String(36), ForeignKey("credit_note.id"), nullable=True,
           index=True),
    Column("rma_id", String(36), nullable=True, index=True),
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),  # card|bank_transfer|cash|cod|other
    Column("reference", String(100), nullable=True),
    Column("refunded_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)

# --- overdue reminders (migration 0018, billing/reminders.py) ---------------------------------

# The last overdue reminder of an invoice, so the scheduled job reminds at most once per
# `every_days` however often it runs (or is re-run after a crash).
invoice_reminder = Table(
    "invoice_reminder",
    metadata,
    Column("invoice_id", String(36), ForeignKey("invoice.id"), primary_key=True),
    Column("reminders", Integer, nullable=False),
    Column("last_reminded_at", UTCDateTime, nullable=False),
    CheckConstraint("reminders >= 1", name="reminders_positive"),
)
