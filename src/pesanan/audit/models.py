from sqlalchemy import Boolean, Column, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

# One row per scheduled audit (the job `audit.nightly`), keyed by the time the run is for: a
# run retried after a crash finds its row and does not announce a second `audit.completed`.
audit_run = Table(
    "audit_run",
    metadata,
    Column("run_for", UTCDateTime, primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("breaches", Integer, nullable=False),
    Column("failed_checks", String(1000), nullable=False),  # comma-separated check names
    Column("checked_at", UTCDateTime, nullable=False),
)
