"""What the console's new pages need (issue 12): products, customers, purchase orders.

A customer's payment terms in days (the invoice's due date; null keeps billing's default by
customer kind). Products and purchase orders needed no new column.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as b:
        b.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))
        b.create_check_constraint(
            op.f("ck_customer_payment_terms_days_range"),
            "payment_terms_days >= 0 AND payment_terms_days <= 365")


def downgrade() -> None:
    with op.batch_alter_table("customer") as b:
        b.drop_constraint(op.f("ck_customer_payment_terms_days_range"), type_="check")
        b.drop_column("payment_terms_days")
