"""Automation rules and their runs, and order tags (issue 11).

`rule_run` is unique per (rule, event): an action runs once even when the event is delivered
twice. `order_tag` belongs to the orders domain (a rule's "add a tag" action, `tags contains`).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "automation_rule",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_rule")),
        sa.UniqueConstraint("name", name=op.f("uq_automation_rule_name")),
    )
    op.create_table(
        "rule_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("ran_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["automation_rule.id"],
                                name=op.f("fk_rule_run_rule_id_automation_rule")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_run")),
        sa.UniqueConstraint("rule_id", "event_id", name="uq_rule_run_rule_event"),
    )
    op.create_index("ix_rule_run_rule_id_id", "rule_run", ["rule_id", "id"])
    op.create_table(
        "order_tag",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["sales_order.id"],
                                name=op.f("fk_order_tag_order_id_sales_order")),
        sa.PrimaryKeyConstraint("order_id", "tag", name=op.f("pk_order_tag")),
    )


def downgrade() -> None:
    op.drop_table("order_tag")
    op.drop_index("ix_rule_run_rule_id_id", table_name="rule_run")
    op.drop_table("rule_run")
    op.drop_table("automation_rule")
