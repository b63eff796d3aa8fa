"""Email that goes out (issue 12): the message log and the shop's notification switches.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pesanan.db.types import UTCDateTime as UTC

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_message",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("attachment_type", sa.String(20), nullable=True),
        sa.Column("attachment_id", sa.String(36), nullable=True),
        sa.Column("attachment_name", sa.String(100), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(timezone=True), nullable=False),
        sa.Column("last_attempt_at", UTC(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", UTC(timezone=True), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')",
                           name=op.f("ck_email_message_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_message")),
        sa.UniqueConstraint("event_id", "kind", name="uq_email_message_event_id_kind"),
    )
    op.create_index("ix_email_message_status_next_attempt_at", "email_message",
                    ["status", "next_attempt_at"])
    op.create_index("ix_email_message_order_id", "email_message", ["order_id"])
    op.create_table(
        "email_attempt",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("attempted_at", UTC(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.String(500), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["email_message.id"],
                                name=op.f("fk_email_attempt_message_id_email_message")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_attempt")),
    )
    op.create_index("ix_email_attempt_message_id", "email_attempt", ["message_id"])
    op.create_table(
        "notification_setting",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_notification_setting")),
    )


def downgrade() -> None:
    op.drop_table("notification_setting")
    op.drop_index("ix_email_attempt_message_id", table_name="email_attempt")
    op.drop_table("email_attempt")
    op.drop_index("ix_email_message_order_id", table_name="email_message")
    op.drop_index("ix_email_message_status_next_attempt_at", table_name="email_message")
    op.drop_table("email_message")
