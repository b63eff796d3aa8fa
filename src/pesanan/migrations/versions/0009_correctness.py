"""Carrier codes are unique case-insensitively: a unique index on lower(code) replaces the
case-sensitive unique constraint ("JNE" and "jne" were two rows, though every lookup matches
codes case-insensitively and so found either one).

The hold rules' version needs no schema: it is a `counter` row (orders/hold_settings.py).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clashes = op.get_bind().execute(sa.text(
        "SELECT lower(code) FROM carrier GROUP BY lower(code) HAVING COUNT(*) > 1"
        " ORDER BY 1")).scalars().all()
    if clashes:
        # Which of two carriers to keep is the shop's decision (deleting one is always safe:
        # shipments keep the carrier's name and link), so refuse rather than guess.
        raise RuntimeError("carrier codes that differ only in case: " + ", ".join(clashes)
                           + "; delete or rename all but one of each, then migrate again")
    with op.batch_alter_table("carrier") as batch:
        batch.drop_constraint(op.f("uq_carrier_code"), type_="unique")
    op.create_index("uq_carrier_lower_code", "carrier", [sa.text("lower(code)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_carrier_lower_code", table_name="carrier")
    with op.batch_alter_table("carrier") as batch:
        batch.create_unique_constraint(op.f("uq_carrier_code"), ["code"])
