"""Sourcing attributes of locations, oversell policy, backorders (issue 4).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("location") as b:
        b.add_column(sa.Column("region", sa.String(length=100), nullable=True))
        b.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        b.add_column(sa.Column("channels", sa.String(length=64), nullable=True))
    with op.batch_alter_table("stock_level") as b:
        b.add_column(sa.Column("safety_stock", sa.Integer(), nullable=False, server_default="0"))
        b.create_check_constraint(op.f("ck_stock_level_safety_stock_not_negative"),
                                  "safety_stock >= 0")
    with op.batch_alter_table("product") as b:
        b.add_column(sa.Column("oversell_policy", sa.String(length=10), nullable=False,
                               server_default="deny"))
        b.add_column(sa.Column("backorder_limit", sa.Integer(), nullable=False,
                               server_default="0"))
        b.add_column(sa.Column("backorder_open", sa.Integer(), nullable=False,
                               server_default="0"))
        b.create_check_constraint(op.f("ck_product_oversell_policy_known"),
                                  "oversell_policy IN ('deny', 'backorder')")
        b.create_check_constraint(op.f("ck_product_backorder_limit_not_negative"),
                                  "backorder_limit >= 0")
        b.create_check_constraint(op.f("ck_product_backorder_open_within_limit"),
                                  "backorder_open >= 0 AND backorder_open <= backorder_limit")
    op.create_table(
        "backorder",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("order_line_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_open", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_backorder_quantity_positive")),
        sa.CheckConstraint("quantity_open >= 0 AND quantity_open <= quantity",
                           name=op.f("ck_backorder_open_in_range")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_backorder_order_id_sales_order")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_backorder_order_line_id_order_line")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_backorder_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorder")),
    )
    op.create_index("ix_backorder_order_id", "backorder", ["order_id"], unique=False)
    op.create_index("ix_backorder_product_status_id", "backorder",
                    ["product_id", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_backorder_product_status_id", table_name="backorder")
    op.drop_index("ix_backorder_order_id", table_name="backorder")
    op.drop_table("backorder")
    with op.batch_alter_table("product") as b:
        b.drop_constraint(op.f("ck_product_backorder_open_within_limit"), type_="check")
        b.drop_constraint(op.f("ck_product_backorder_limit_not_negative"), type_="check")
        b.drop_constraint(op.f("ck_product_oversell_policy_known"), type_="check")
        b.drop_column("backorder_open")
        b.drop_column("backorder_limit")
        b.drop_column("oversell_policy")
    with op.batch_alter_table("stock_level") as b:
        b.drop_constraint(op.f("ck_stock_level_safety_stock_not_negative"), type_="check")
        b.drop_column("safety_stock")
    with op.batch_alter_table("location") as b:
        b.drop_column("channels")
        b.drop_column("country")
        b.drop_column("region")
