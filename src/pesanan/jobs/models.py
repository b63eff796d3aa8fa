from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

# One row per scheduled job: the visible schedule (console "Jobs", `pesanan jobs list`) and the
# claim. Created from the worker's JobSpecs (worker/handlers.py) with their defaults; after that
# `enabled`, `every_seconds` and `params` are the operator's and never overwritten by code.
scheduled_job = Table(
    "scheduled_job",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("every_seconds", Integer, nullable=False),
    Column("params", JSON, nullable=False),
    Column("next_run_at", UTCDateTime, nullable=False),
    # Set while a worker runs the job (and renewed by its heartbeat); NULL when no run is in
    # progress. A lease in the past with a token still set is a run cut short (kill -9): the
    # job is due again at once (jobs/locks.py).
    Column("lease_until", UTCDateTime, nullable=True),
    # Fresh per claim: the outcome is recorded only under the token that claimed the run, so a
    # late runner whose lease was taken over cannot overwrite the newer run (fencing).
    Column("lease_token", String(32), nullable=True),
    Column("last_started_at", UTCDateTime, nullable=True),
    Column("last_finished_at", UTCDateTime, nullable=True),
    Column("last_outcome", String(8), nullable=True),  # ok | failed
    Column("last_detail", Text, nullable=True),  # JSON of the outcome, at most 2000 chars
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("every_seconds > 0", name="every_positive"),
)

# The latest runs of each job (jobs/service.py keeps RUNS_KEPT per job), newest id last.
job_run = Table(
    "job_run",
    metadata,
    Column("id", String(36), primary_key=True),  # UUIDv7: in start order
    Column("name", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("detail", Text, nullable=True),
    Index("ix_job_run_name_id", "name", "id"),
)
