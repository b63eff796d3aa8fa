"""Order holds, hold rules and versioned order edits (issue 4).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hold_rule",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_rule")),
    )
    op.create_table(
        "order_hold",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_order_hold_order_id_sales_order")),
        sa.ForeignKeyConstraint(["rule_id"], ["hold_rule.id"],
                                name=op.f("fk_order_hold_rule_id_hold_rule")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_hold")),
    )
    op.create_index(op.f("ix_order_hold_order_id"), "order_hold", ["order_id"])
    op.create_index("ix_order_hold_status_id", "order_hold", ["status", "id"])
    op.create_table(
        "order_revision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("order_version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("total_before", pesanan.db.types.Amount(), nullable=False),
        sa.Column("total_after", pesanan.db.types.Amount(), nullable=False),
        sa.Column("amount_invoiced", pesanan.db.types.Amount(), nullable=False),
        sa.Column("amount_paid", pesanan.db.types.Amount(), nullable=False),
        sa.Column("balance_due", pesanan.db.types.Amount(), nullable=False),
        sa.Column("refund_due", pesanan.db.types.Amount(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_order_revision_version_positive")),
        sa.CheckConstraint(
            "balance_due >= 0 AND refund_due >= 0 AND NOT (balance_due > 0 AND refund_due > 0)",
            name=op.f("ck_order_revision_one_side_due")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_order_revision_order_id_sales_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_revision")),
        sa.UniqueConstraint("order_id", "version", name=op.f("uq_order_revision_order_id")),
    )
    op.add_column("customer", sa.Column("credit_currency", sa.String(length=3), nullable=True))
    # An edit may lower a paid order's total (a refund is then due) and removes a line by
    # setting its quantity to 0 (the row stays: reservations and shipments name it).
    with op.batch_alter_table("sales_order") as batch:
        batch.drop_constraint(op.f("ck_sales_order_paid_within_total"), type_="check")
        batch.create_check_constraint(op.f("ck_sales_order_paid_not_negative"),
                                      "amount_paid >= 0")
    with op.batch_alter_table("order_line") as batch:
        batch.drop_constraint(op.f("ck_order_line_quantity_positive"), type_="check")
        batch.create_check_constraint(op.f("ck_order_line_quantity_not_negative"),
                                      "quantity >= 0")


def downgrade() -> None:
    with op.batch_alter_table("order_line") as batch:
        batch.drop_constraint(op.f("ck_order_line_quantity_not_negative"), type_="check")
        batch.create_check_constraint(op.f("ck_order_line_quantity_positive"), "quantity > 0")
    with op.batch_alter_table("sales_order") as batch:
        batch.drop_constraint(op.f("ck_sales_order_paid_not_negative"), type_="check")
        batch.create_check_constraint(op.f("ck_sales_order_paid_within_total"),
                                      "amount_paid >= 0 AND amount_paid <= total")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("credit_currency")
    op.drop_table("order_revision")
    op.drop_index("ix_order_hold_status_id", table_name="order_hold")
    op.drop_index(op.f("ix_order_hold_order_id"), table_name="order_hold")
    op.drop_table("order_hold")
    op.drop_table("hold_rule")
