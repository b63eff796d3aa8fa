from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

# The transactional outbox. `sequence` is assigned by the database at insert; the relay (a
# later issue) must only publish rows below the oldest in-flight transaction's sequence, since
# commit order can differ from sequence order under concurrency.
outbox = Table(
    "outbox",
    metadata,
    Column(
        "sequence",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("data", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Index("ix_outbox_unpublished", "published_at", "sequence"),
)
