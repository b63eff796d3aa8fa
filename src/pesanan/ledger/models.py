from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table

from pesanan.db.base import metadata
from pesanan.db.types import Amount, UTCDateTime

account = Table(
    "account",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("type", String(10), nullable=False),  # asset | liability | equity | revenue | expense
)

journal_entry = Table(
    "journal_entry",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("memo", String(200), nullable=False),
    Column("source_type", String(32), nullable=False),
    Column("source_id", String(36), nullable=False),
    Column("order_id", String(36), nullable=True, index=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Index("ix_journal_entry_source", "source_type", "source_id"),
    # The journal filtered by source, newest first, reads this index in order (no sort).
    Index("ix_journal_entry_source_type_id", "source_type", "id"),
)

journal_line = Table(
    "journal_line",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("entry_id", String(36), ForeignKey("journal_entry.id"), nullable=False, index=True),
    Column("account_code", String(10), ForeignKey("account.code"), nullable=False),
    Column("debit", Amount, nullable=False),
    Column("credit", Amount, nullable=False),
    CheckConstraint(
        "debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0) AND debit + credit > 0",
        name="one_sided_positive",
    ),
)

# Running totals per (currency, account), kept in the same transaction as every posting, so the
# trial balance reads a few dozen rows instead of summing the whole journal. Each account has
# STRIPES rows, and an entry picks one at random: concurrent postings to the same account
# (receivable, cash) rarely queue on one row lock. `pesanan audit` checks they equal the journal.
account_balance = Table(
    "account_balance",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("account_code", String(10), ForeignKey("account.code"), primary_key=True),
    Column("stripe", Integer, primary_key=True, autoincrement=False),
    Column("debit", Amount, nullable=False),
    Column("credit", Amount, nullable=False),
)
