"""Document-number sequences (PostgreSQL) and the chart of accounts.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = ("order_number", "purchase_order_number", "shipment_number")

ACCOUNTS = [
    ("1000", "Cash", "asset"),
    ("1100", "Accounts receivable", "asset"),
    ("1200", "Inventory", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Sales tax payable", "liability"),
    ("3000", "Owner's equity", "equity"),
    ("4000", "Sales revenue", "revenue"),
    ("5000", "Cost of goods sold", "expense"),
    ("5100", "Inventory adjustments", "expense"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in SEQUENCES:
            op.execute(f"CREATE SEQUENCE {name}_seq START 1")
    account = sa.table(
        "account", sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("type", sa.String),
    )
    op.bulk_insert(account, [{"code": c, "name": n, "type": t} for c, n, t in ACCOUNTS])


def downgrade() -> None:
    op.execute("DELETE FROM account")
    if op.get_bind().dialect.name == "postgresql":
        for name in SEQUENCES:
            op.execute(f"DROP SEQUENCE {name}_seq")
