"""Stock states: quarantine, transfers in transit, cycle counts, imports (issue 4).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quarantine_level",
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_quarantine_level_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_quarantine_level_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_quarantine_level_product_id_product")
        ),
        sa.PrimaryKeyConstraint("product_id", "location_id", name=op.f("pk_quarantine_level")),
    )
    op.create_table(
        "quarantine_movement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reference_type", sa.String(length=32), nullable=True),
        sa.Column("reference_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_quarantine_movement_quantity_not_zero")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_quarantine_movement_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_quarantine_movement_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_movement")),
    )
    op.create_index(
        "ix_quarantine_movement_product_location_id",
        "quarantine_movement",
        ["product_id", "location_id", "id"],
        unique=False,
    )
    op.create_table(
        "stock_count",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_stock_count_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count")),
        sa.UniqueConstraint("number", name=op.f("uq_stock_count_number")),
    )
    op.create_table(
        "stock_transfer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("from_location_id", sa.String(length=36), nullable=False),
        sa.Column("to_location_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "from_location_id <> to_location_id", name=op.f("ck_stock_transfer_distinct_locations")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["location.id"],
            name=op.f("fk_stock_transfer_from_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"],
            ["location.id"],
            name=op.f("fk_stock_transfer_to_location_id_location"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer")),
        sa.UniqueConstraint("number", name=op.f("uq_stock_transfer_number")),
    )
    op.create_index("ix_stock_transfer_status", "stock_transfer", ["status"], unique=False)
    op.create_table(
        "stock_count_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("count_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("difference", sa.Integer(), nullable=True),
        sa.CheckConstraint("counted >= 0", name=op.f("ck_stock_count_line_counted_not_negative")),
        sa.ForeignKeyConstraint(
            ["count_id"], ["stock_count.id"], name=op.f("fk_stock_count_line_count_id_stock_count")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_count_line_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count_line")),
    )
    op.create_index(
        op.f("ix_stock_count_line_count_id"), "stock_count_line", ["count_id"], unique=False
    )
    op.create_table(
        "stock_transfer_event",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["stock_transfer.id"],
            name=op.f("fk_stock_transfer_event_transfer_id_stock_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer_event")),
    )
    op.create_index(
        op.f("ix_stock_transfer_event_transfer_id"),
        "stock_transfer_event",
        ["transfer_id"],
        unique=False,
    )
    op.create_table(
        "stock_transfer_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), nullable=False),
        sa.Column("quantity_received", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_transfer_line_quantity_positive")),
        sa.CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity_shipped",
            name=op.f("ck_stock_transfer_line_received_within_shipped"),
        ),
        sa.CheckConstraint(
            "quantity_shipped >= 0 AND quantity_shipped <= quantity",
            name=op.f("ck_stock_transfer_line_shipped_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_transfer_line_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["stock_transfer.id"],
            name=op.f("fk_stock_transfer_line_transfer_id_stock_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer_line")),
    )
    op.create_index(
        op.f("ix_stock_transfer_line_transfer_id"),
        "stock_transfer_line",
        ["transfer_id"],
        unique=False,
    )
    op.create_index(
        "ix_stock_transfer_line_product_id", "stock_transfer_line", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_stock_transfer_line_product_id", table_name="stock_transfer_line")
    op.drop_index(op.f("ix_stock_transfer_line_transfer_id"), table_name="stock_transfer_line")
    op.drop_table("stock_transfer_line")
    op.drop_index(op.f("ix_stock_transfer_event_transfer_id"), table_name="stock_transfer_event")
    op.drop_table("stock_transfer_event")
    op.drop_index(op.f("ix_stock_count_line_count_id"), table_name="stock_count_line")
    op.drop_table("stock_count_line")
    op.drop_index("ix_stock_transfer_status", table_name="stock_transfer")
    op.drop_table("stock_transfer")
    op.drop_table("stock_count")
    op.drop_index("ix_quarantine_movement_product_location_id", table_name="quarantine_movement")
    op.drop_table("quarantine_movement")
    op.drop_table("quarantine_level")
