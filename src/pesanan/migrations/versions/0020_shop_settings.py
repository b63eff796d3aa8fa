"""The shop's own settings (issue 12): legal name, address, tax id, logo, time zone, locale,
currency, document wording and number prefixes.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shop_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=1000), nullable=False),
        sa.Column("tax_id", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoice_footer", sa.Text(), nullable=False),
        sa.Column("payment_instructions", sa.Text(), nullable=False),
        sa.Column("invoice_prefix", sa.String(length=10), nullable=False),
        sa.Column("credit_note_prefix", sa.String(length=10), nullable=False),
        sa.Column("purchase_order_prefix", sa.String(length=10), nullable=False),
        sa.Column("delivery_note_prefix", sa.String(length=10), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_shop_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_settings")),
    )


def downgrade() -> None:
    op.drop_table("shop_settings")
