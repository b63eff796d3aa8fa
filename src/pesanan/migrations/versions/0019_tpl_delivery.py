"""The 3PL dispatch on the webhook delivery machinery (issue 11): every attempt to send a
dispatch is logged, as every webhook attempt is (status, latency, answer excerpt, error).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pesanan.db.types import UTCDateTime as UTC

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tpl_dispatch_attempt",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dispatch_id", sa.String(36), nullable=False),
        sa.Column("attempted_at", UTC(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.String(500), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["tpl_dispatch.id"],
                                name=op.f("fk_tpl_dispatch_attempt_dispatch_id_tpl_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpl_dispatch_attempt")),
    )
    op.create_index("ix_tpl_dispatch_attempt_dispatch_id", "tpl_dispatch_attempt",
                    ["dispatch_id"])


def downgrade() -> None:
    op.drop_index("ix_tpl_dispatch_attempt_dispatch_id", table_name="tpl_dispatch_attempt")
    op.drop_table("tpl_dispatch_attempt")
