from sqlalchemy import Column, Integer, LargeBinary, PrimaryKeyConstraint, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("scope", String(36), nullable=False),  # the API key's id
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(10), nullable=False),  # in_flight | done
    # Written fresh by every claim (and takeover): only the holder of the current token may
    # store the response or release the key (fencing).
    Column("claim_token", String(32), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Column("response_location", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("locked_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key"),
)
