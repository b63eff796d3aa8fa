"""Scheduled jobs (issue 11): the schedule with each job's claim (lease and fencing token) and
last outcome, and the latest runs of each job.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pesanan.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("next_run_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", pesanan.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("last_started_at", pesanan.db.types.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("last_finished_at", pesanan.db.types.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("last_outcome", sa.String(length=8), nullable=True),
        sa.Column("last_detail", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("every_seconds > 0", name=op.f("ck_scheduled_job_every_positive")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )
    op.create_table(
        "job_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("started_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", pesanan.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
    )
    op.create_index("ix_job_run_name_id", "job_run", ["name", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_run_name_id", table_name="job_run")
    op.drop_table("job_run")
    op.drop_table("scheduled_job")
