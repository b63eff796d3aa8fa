"""Idempotency fencing: each claim of a key writes a fresh token, and the command's transaction
stores its response only where the key is still in flight under that token, so a claim taken
over after its lease can never commit twice.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows claimed before this migration get '' (no live request holds that token): an
    # in-flight one is taken over when its lease runs out, as before.
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(32), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.alter_column("claim_token", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
