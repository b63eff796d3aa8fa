from sqlalchemy import Column, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

api_key = Table(
    "api_key",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    # SHA-256 of the key: keys are 256-bit random tokens, so a fast hash is safe (no dictionary
    # to attack) and keeps every request's lookup cheap.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# People who log in to the operator console. Passwords are argon2id hashes.
app_user = Table(
    "app_user",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    # Lockout: failed logins in a row (reset by a success or a lock), and until when the
    # account refuses every login. In the database so every worker process agrees.
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime, nullable=True),
    # The console's language for this user (issue 12); NULL follows the shop's locale.
    Column("locale", String(16), nullable=True),
)
