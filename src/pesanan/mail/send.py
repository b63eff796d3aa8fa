"""Sending the pending messages: the email `Kind` of the one delivery machinery
(delivery/machine.py). Its claim (a lease on each row, SKIP LOCKED on PostgreSQL), its fenced
record of every attempt (email_attempt) and its backoff (delivery/backoff.py: eleven attempts
over about three days) are the webhooks' and the 3PL dispatch's; only the send differs: the
batch goes to the SMTP server on one connection (smtp.py) instead of one HTTP request each.

After the claim, outside any transaction but on a read connection, each message is built:
From (PESANAN_MAIL_FROM, else the shop's email, with the shop's name), To, Subject, a stable
Message-ID (`<message id@domain>`, the same on every retry, so a mail client can tell a
repeat), the text and HTML parts, and the PDF the message names, rendered now from the
document (documents/render.py). A message that cannot be built (no From address, a PDF that
fails) fails that attempt with the reason and is tried again later like a refused one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from pesanan.config import Settings
from pesanan.core.clock import now
from pesanan.db.tx import transact
from pesanan.delivery import machine
from pesanan.delivery.machine import Item, Outcome
from pesanan.documents import render as documents
from pesanan.mail import smtp
from pesanan.mail.models import email_attempt, email_message
from pesanan.shop import service as shop_service
from pesanan.shop.profile import ShopProfile

log = logging.getLogger("pesanan.mail")
BATCH = 20


@dataclass
class Mail:
    """The email Kind (delivery/machine.py)."""

    backoff_scale: float = 1.0
    name = "email"
    rows = email_message
    attempts = email_attempt
    parent = "message_id"
    done = "sent"
    done_at = "sent_at"

    @property
    def scale(self) -> float:
        return self.backoff_scale

    def due(self, conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
        m = email_message.c
        stmt = (select(email_message).where(m.status == "pending", m.next_attempt_at <= at)
                .order_by(m.next_attempt_at, m.id).limit(limit))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def prepare(self, conn: Connection, rows: list[dict[str, Any]], until: datetime,
                at: datetime) -> list[Item]:
        # The message is built after the claim commits (build_all): the PDF is rendered
        # outside the write transaction.
        return [Item(r, until, r["to_address"], b"", {}) for r in rows]

    def queued(self, row: dict[str, Any]) -> int:
        return int(row["queued_attempts"])

    def after(self, conn: Connection, item: Item, outcome: Outcome, name: str,
              at: datetime) -> None:
        # A 5xx reply is the server's final word (RFC 5321: "permanent negative"): a mailbox
        # that does not exist will not exist in five minutes either, so no retry.
        if name == "retry" and outcome.status is not None and 500 <= outcome.status < 600:
            m, a = email_message.c, email_attempt.c
            conn.execute(update(email_message).where(m.id == item.row["id"])
                         .values(status="failed"))
            conn.execute(update(email_attempt).where(
                a.message_id == item.row["id"], a.attempted_at == at, a.outcome == "retry")
                .values(outcome="failed"))


def _pdf(conn: Connection, doc_type: str, doc_id: str) -> bytes:
    if doc_type == "invoice":
        return documents.invoice_pdf(conn, doc_id)
    if doc_type == "purchase_order":
        return documents.purchase_order_pdf(conn, doc_id)
    raise ValueError(f"no PDF for a {doc_type}")


def build(conn: Connection, row: dict[str, Any], shop: ShopProfile, mail_from: str
          ) -> EmailMessage | str:
    """The message to send, or why it cannot be sent."""
    sender = mail_from or shop.email
    if not sender:
        return "no From address: set PESANAN_MAIL_FROM or the shop's email in its settings"
    msg = EmailMessage()
    msg["From"] = formataddr((shop.legal_name, sender))
    msg["To"] = row["to_address"]
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(now())
    msg["Message-ID"] = f"<{row['id']}@{sender.rpartition('@')[2] or 'pesanan'}>"
    msg.set_content(row["body_text"])
    msg.add_alternative(row["body_html"], subtype="html")
    if row["attachment_type"]:
        try:
            pdf = _pdf(conn, row["attachment_type"], row["attachment_id"])
        except Exception as exc:  # the message's own failure: logged, retried with backoff
            log.exception("email %s: the %s PDF failed", row["id"], row["attachment_type"])
            return f"the {row['attachment_type']} PDF could not be made: {type(exc).__name__}"
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=row["attachment_name"])
    return msg


def send_pending(engine: Engine, settings: Settings, *, limit: int = BATCH,
                 at: datetime | None = None) -> int:
    """One batch: claim, build, send on one SMTP connection, record. How many were
    attempted (0: nothing due, or email is off). `at` fixes the clock (tests)."""
    cfg = smtp.config_for(settings)
    if cfg is None:
        return 0
    clock: Callable[[], datetime] = (lambda: at) if at is not None else now
    kind = Mail(settings.mail_backoff_scale)
    # The batch is sent one message after another: the lease outlasts every command of it.
    lease = timedelta(seconds=cfg.timeout * (2 * limit + 2))
    items = machine.claim(engine, kind, clock(), lease, limit)
    if not items:
        return 0
    with engine.connect() as conn:
        shop = shop_service.profile(conn)
        messages = [build(conn, it.row, shop, cfg.mail_from) for it in items]
    results = smtp.send_all(cfg, messages)
    t = clock()
    done = [(it, Outcome(r.code, r.error, None, r.latency_ms), t)
            for it, r in zip(items, results, strict=True)]
    names = transact(engine, lambda conn: machine.record_all(conn, kind, done))
    for it, r, name in zip(items, results, names, strict=True):
        # Never the body: the id, the outcome and the server's code or the error.
        log.info("email %s to %s: %s (%s)", it.row["id"], it.row["to_address"], name,
                 r.code or r.error)
    return len(items)
