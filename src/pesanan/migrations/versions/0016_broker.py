"""The NATS JetStream publisher (issue 11): no table of its own. Its cursor is the "broker" row
of event_cursor (0013), and what it published is in the stream; kept so the chain stays one.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
