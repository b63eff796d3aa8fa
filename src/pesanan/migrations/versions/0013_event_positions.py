"""The outbox in commit order: a position stamped by the relay, consumer cursors (issue 11).

Rows already there get position = sequence, so a consumer's `after=N` cursor stays valid.
`published_at` (never set) and its index go: being stamped is what "relayed" means now.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
        batch_op.drop_column("published_at")
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
    op.execute("UPDATE outbox SET position = sequence")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_outbox_position", ["position"])
        batch_op.create_index("ix_outbox_unstamped", ["sequence"], unique=False,
                              postgresql_where=sa.text("position IS NULL"),
                              sqlite_where=sa.text("position IS NULL"))
    op.create_table(
        "event_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_cursor")),
    )


def downgrade() -> None:
    op.drop_table("event_cursor")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unstamped")
        batch_op.drop_constraint("uq_outbox_position", type_="unique")
        batch_op.drop_column("position")
        batch_op.add_column(sa.Column("published_at",
                                      pesanan.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "sequence"],
                              unique=False)
