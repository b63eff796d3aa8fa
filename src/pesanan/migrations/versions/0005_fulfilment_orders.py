"""Fulfilment orders, pick lists, carriers, 3PL dispatch and callbacks (issue 4).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pesanan.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fulfilment_order",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_fulfilment_order_location_id_location")),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_fulfilment_order_order_id_sales_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment_order")),
        sa.UniqueConstraint("order_id", "seq", name="uq_fulfilment_order_order_id_seq"),
    )
    op.create_index("ix_fulfilment_order_location_status_id", "fulfilment_order",
                    ["location_id", "status", "id"])
    op.create_index("ix_fulfilment_order_status_id", "fulfilment_order", ["status", "id"])
    op.create_table(
        "fulfilment_order_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fulfilment_order_id", sa.String(length=36), nullable=False),
        sa.Column("order_line_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_picked", sa.Integer(), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0",
                           name=op.f("ck_fulfilment_order_line_quantity_positive")),
        sa.CheckConstraint("quantity_picked >= 0 AND quantity_picked <= quantity",
                           name=op.f("ck_fulfilment_order_line_picked_within_quantity")),
        sa.CheckConstraint("quantity_shipped >= 0 AND quantity_shipped <= quantity",
                           name=op.f("ck_fulfilment_order_line_shipped_within_quantity")),
        sa.ForeignKeyConstraint(
            ["fulfilment_order_id"], ["fulfilment_order.id"],
            name=op.f("fk_fulfilment_order_line_fulfilment_order_id_fulfilment_order")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_fulfilment_order_line_order_line_id_order_line")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_fulfilment_order_line_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment_order_line")),
    )
    op.create_index(op.f("ix_fulfilment_order_line_fulfilment_order_id"),
                    "fulfilment_order_line", ["fulfilment_order_id"])
    op.create_index(op.f("ix_fulfilment_order_line_order_line_id"),
                    "fulfilment_order_line", ["order_line_id"])
    op.create_table(
        "carrier",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("tracking_url_template", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier")),
        sa.UniqueConstraint("code", name=op.f("uq_carrier_code")),
    )
    op.create_table(
        "tpl_endpoint",
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_tpl_endpoint_location_id_location")),
        sa.PrimaryKeyConstraint("location_id", name=op.f("pk_tpl_endpoint")),
    )
    op.create_table(
        "tpl_dispatch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fulfilment_order_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["fulfilment_order_id"], ["fulfilment_order.id"],
            name=op.f("fk_tpl_dispatch_fulfilment_order_id_fulfilment_order")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_tpl_dispatch_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpl_dispatch")),
    )
    op.create_index(op.f("ix_tpl_dispatch_fulfilment_order_id"), "tpl_dispatch",
                    ["fulfilment_order_id"])
    op.create_index("ix_tpl_dispatch_status_next_attempt_at", "tpl_dispatch",
                    ["status", "next_attempt_at"])
    op.create_table(
        "tpl_callback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_tpl_callback_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpl_callback")),
        sa.UniqueConstraint("location_id", "event_id",
                            name="uq_tpl_callback_location_id_event_id"),
    )
    # Shipments now leave under a fulfilment order and carry a tracking link and a failed
    # delivery. Batch mode: SQLite rebuilds the table to add the foreign key.
    with op.batch_alter_table("shipment") as batch:
        batch.add_column(sa.Column("fulfilment_order_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("tracking_url", sa.String(length=600), nullable=True))
        batch.add_column(sa.Column("failed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.String(length=200), nullable=True))
        batch.create_foreign_key(op.f("fk_shipment_fulfilment_order_id_fulfilment_order"),
                                 "fulfilment_order", ["fulfilment_order_id"], ["id"])
        batch.create_index(op.f("ix_shipment_fulfilment_order_id"), ["fulfilment_order_id"])


def downgrade() -> None:
    with op.batch_alter_table("shipment") as batch:
        batch.drop_index(op.f("ix_shipment_fulfilment_order_id"))
        batch.drop_constraint(op.f("fk_shipment_fulfilment_order_id_fulfilment_order"),
                              type_="foreignkey")
        batch.drop_column("failure_reason")
        batch.drop_column("failed_at")
        batch.drop_column("tracking_url")
        batch.drop_column("fulfilment_order_id")
    op.drop_table("tpl_callback")
    op.drop_index("ix_tpl_dispatch_status_next_attempt_at", table_name="tpl_dispatch")
    op.drop_index(op.f("ix_tpl_dispatch_fulfilment_order_id"), table_name="tpl_dispatch")
    op.drop_table("tpl_dispatch")
    op.drop_table("tpl_endpoint")
    op.drop_table("carrier")
    op.drop_index(op.f("ix_fulfilment_order_line_order_line_id"),
                  table_name="fulfilment_order_line")
    op.drop_index(op.f("ix_fulfilment_order_line_fulfilment_order_id"),
                  table_name="fulfilment_order_line")
    op.drop_table("fulfilment_order_line")
    op.drop_index("ix_fulfilment_order_status_id", table_name="fulfilment_order")
    op.drop_index("ix_fulfilment_order_location_status_id", table_name="fulfilment_order")
    op.drop_table("fulfilment_order")
