"""Returns (RMA), credit notes and refunds (issue 4).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Amount = pesanan.db.types.Amount
Ratio = pesanan.db.types.Ratio
UTC = pesanan.db.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount_refunded", Amount(), nullable=False,
                                      server_default="0"))
        batch_op.create_check_constraint(
            "refunded_within_paid", "amount_refunded >= 0 AND amount_refunded <= amount_paid")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.alter_column("amount_refunded", server_default=None)

    op.create_table(
        "credit_note",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("rma_id", sa.String(length=36), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", Amount(), nullable=False),
        sa.Column("tax_total", Amount(), nullable=False),
        sa.Column("total", Amount(), nullable=False),
        sa.Column("amount_applied", Amount(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("issued_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("total = subtotal + tax_total",
                           name=op.f("ck_credit_note_total_is_sum")),
        sa.CheckConstraint("amount_applied >= 0 AND amount_applied <= total",
                           name=op.f("ck_credit_note_applied_within_total")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_credit_note_customer_id_customer")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"],
                                name=op.f("fk_credit_note_invoice_id_invoice")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_credit_note_order_id_sales_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_note_number")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        for col in ("customer_id", "invoice_id", "order_id", "rma_id"):
            batch_op.create_index(batch_op.f(f"ix_credit_note_{col}"), [col], unique=False)

    op.create_table(
        "credit_note_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credit_note_id", sa.String(length=36), nullable=False),
        sa.Column("order_line_id", sa.String(length=36), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", Amount(), nullable=False),
        sa.Column("tax_rate", Ratio(), nullable=False),
        sa.Column("subtotal", Amount(), nullable=False),
        sa.Column("tax", Amount(), nullable=False),
        sa.Column("total", Amount(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_credit_note_line_quantity_positive")),
        sa.CheckConstraint("total = subtotal + tax", name=op.f("ck_credit_note_line_total_is_sum")),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_note.id"],
                                name=op.f("fk_credit_note_line_credit_note_id_credit_note")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_credit_note_line_order_line_id_order_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note_line")),
    )
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        for col in ("credit_note_id", "order_line_id"):
            batch_op.create_index(batch_op.f(f"ix_credit_note_line_{col}"), [col], unique=False)

    op.create_table(
        "refund",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("credit_note_id", sa.String(length=36), nullable=True),
        sa.Column("rma_id", sa.String(length=36), nullable=True),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("refunded_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount_positive")),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_note.id"],
                                name=op.f("fk_refund_credit_note_id_credit_note")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_refund_order_id_sales_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        for col in ("credit_note_id", "order_id", "rma_id"):
            batch_op.create_index(batch_op.f(f"ix_refund_{col}"), [col], unique=False)

    op.create_table(
        "rma",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("credit_note_id", sa.String(length=36), nullable=True),
        sa.Column("exchange_order_id", sa.String(length=36), nullable=True),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_note.id"],
                                name=op.f("fk_rma_credit_note_id_credit_note")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_rma_customer_id_customer")),
        sa.ForeignKeyConstraint(["exchange_order_id"], ["sales_order.id"],
                                name=op.f("fk_rma_exchange_order_id_sales_order")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_rma_location_id_location")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_rma_order_id_sales_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rma")),
        sa.UniqueConstraint("number", name=op.f("uq_rma_number")),
    )
    with op.batch_alter_table("rma", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rma_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_rma_status", ["status"], unique=False)

    op.create_table(
        "rma_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rma_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=12), nullable=True),
        sa.Column("unit_cost", Amount(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_rma_line_quantity_positive")),
        sa.CheckConstraint(
            "disposition IS NULL OR disposition IN ('restock', 'quarantine', 'scrap')",
            name=op.f("ck_rma_line_disposition_known")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_rma_line_order_line_id_order_line")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_rma_line_product_id_product")),
        sa.ForeignKeyConstraint(["rma_id"], ["rma.id"], name=op.f("fk_rma_line_rma_id_rma")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rma_line")),
    )
    with op.batch_alter_table("rma_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rma_line_order_line_id"), ["order_line_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_rma_line_rma_id"), ["rma_id"], unique=False)


def downgrade() -> None:
    op.drop_table("rma_line")
    op.drop_table("rma")
    op.drop_table("refund")
    op.drop_table("credit_note_line")
    op.drop_table("credit_note")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.drop_constraint("refunded_within_paid", type_="check")
        batch_op.drop_column("amount_refunded")
