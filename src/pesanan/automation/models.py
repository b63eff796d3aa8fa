from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

# "When EVENT and CONDITIONS then ACTIONS" (automation/conditions.py says what a condition may
# be, automation/schemas.py what an action may be). Few rows, read whole per consumer batch.
automation_rule = Table(
    "automation_rule",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("trigger", String(64), nullable=False),  # an event type
    Column("conditions", JSON, nullable=False),  # [{field, op, value}], ANDed
    Column("actions", JSON, nullable=False),  # [{type, ...}], run in order
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One row per (rule, event) whose conditions held: the unique pair is what makes an action run
# once even when the event is delivered again (a cursor reset, a replay). A run whose action was
# refused is kept as `failed` with the error, so it is not retried behind the operator's back.
rule_run = Table(
    "rule_run",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("rule_id", String(36), ForeignKey("automation_rule.id"), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("event_position", BigInteger, nullable=False),
    Column("subject_id", String(36), nullable=True),  # the order (or purchase order) acted on
    Column("outcome", String(8), nullable=False),  # done | failed
    Column("error", String(500), nullable=True),
    Column("results", JSON, nullable=False),  # what each action did, in order
    Column("ran_at", UTCDateTime, nullable=False),
    UniqueConstraint("rule_id", "event_id", name="uq_rule_run_rule_event"),
    # A rule's runs, newest first (GET /automation/rules/{id}/runs).
    Index("ix_rule_run_rule_id_id", "rule_id", "id"),
)
