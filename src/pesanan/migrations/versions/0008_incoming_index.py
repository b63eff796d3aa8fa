"""An index for the incoming lookup (open PO lines per product), read for every row of the
stock levels page (transfer lines had theirs since 0003).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_purchase_order_line_product_id"), "purchase_order_line",
                    ["product_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_purchase_order_line_product_id"), table_name="purchase_order_line")
