from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

Int64 = BigInteger().with_variant(Integer, "sqlite")

# The transactional outbox. `sequence` is assigned by the database at insert, so on PostgreSQL
# it is NOT commit order: a transaction can take sequence 5, commit after the one holding 6,
# and a reader paging by sequence would already have moved past 5. So nobody reads by it.
# `position` is stamped by the relay (events/relay.py), one stamper at a time, on rows already
# committed: it is commit order, gapless per stamp, and the envelope's `sequence`.
outbox = Table(
    "outbox",
    metadata,
    Column("sequence", Int64, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("data", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("position", BigInteger, nullable=True),
    UniqueConstraint("position", name="uq_outbox_position"),
    # What the relay has still to stamp, oldest first: small, since it is stamped in a blink.
    Index("ix_outbox_unstamped", "sequence",
          postgresql_where=Column("position").is_(None),
          sqlite_where=Column("position").is_(None)),
)

# Where each consumer of the feed (webhook fan-out, broker, automation) has got to. A consumer
# holds its row locked while it handles a batch, so two workers never handle the same events,
# and moves it in the same transaction as its effects, so each event takes effect once.
event_cursor = Table(
    "event_cursor",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=True),
)
