"""Email tables: every message made from an event (the log: to, subject, status, attempts,
last error, sent_at), every attempt to hand one to the SMTP server, and the shop's switches.

A message is made once per (event, kind): the unique key makes a redelivered or replayed event
a no-op. Its text is rendered when it is made (the log shows what was sent); the attached PDF
is rendered when it is sent, from the document it names.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pesanan.db.base import metadata
from pesanan.db.types import UTCDateTime

email_message = Table(
    "email_message",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(64), nullable=False),
    # A notification (mail/notifications.py KINDS) or "rule:<rule id>" (automation).
    Column("kind", String(64), nullable=False),
    Column("order_id", String(36), nullable=True),  # the order's timeline shows the message
    Column("to_address", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("locale", String(10), nullable=False),
    # The PDF attached when it is sent: "invoice" or "purchase_order", and which one.
    Column("attachment_type", String(20), nullable=True),
    Column("attachment_id", String(36), nullable=True),
    Column("attachment_name", String(100), nullable=True),
    Column("status", String(10), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),  # every try ever (fences the lease)
    Column("queued_attempts", Integer, nullable=False),  # attempts when queued (backoff base)
    # When it is due; while a worker sends it, the end of that worker's lease.
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),  # the SMTP reply code
    Column("last_error", String(500), nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "kind", name="uq_email_message_event_id_kind"),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    Index("ix_email_message_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_email_message_order_id", "order_id"),
)

email_attempt = Table(
    "email_attempt",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("message_id", String(36), ForeignKey("email_message.id"), nullable=False,
           index=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=True),  # the SMTP reply code; None: no answer
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", String(500), nullable=True),
    Column("error", String(500), nullable=True),
    Column("outcome", String(10), nullable=False),  # sent | retry | failed
)

# One row per notification the shop has set; a notification without a row is on.
notification_setting = Table(
    "notification_setting",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
