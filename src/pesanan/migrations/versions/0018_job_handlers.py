"""What the scheduled job handlers remember (issue 11): the last overdue reminder per invoice,
the SLA breaches already reported per (order, stage), and the nightly audits that ran.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pesanan.db.types import UTCDateTime as UTC

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_reminder",
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("reminders >= 1",
                           name=op.f("ck_invoice_reminder_reminders_positive")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"],
                                name=op.f("fk_invoice_reminder_invoice_id_invoice")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_reminder")),
    )
    op.create_table(
        "order_sla_breach",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("since", UTC(timezone=True), nullable=False),
        sa.Column("threshold_seconds", sa.Integer(), nullable=False),
        sa.Column("reported_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_order_sla_breach_order_id_sales_order")),
        sa.PrimaryKeyConstraint("order_id", "stage", name=op.f("pk_order_sla_breach")),
    )
    op.create_table(
        "audit_run",
        sa.Column("run_for", UTC(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("breaches", sa.Integer(), nullable=False),
        sa.Column("failed_checks", sa.String(length=1000), nullable=False),
        sa.Column("checked_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_for", name=op.f("pk_audit_run")),
    )


def downgrade() -> None:
    op.drop_table("audit_run")
    op.drop_table("order_sla_breach")
    op.drop_table("invoice_reminder")
