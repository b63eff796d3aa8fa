"""Handing messages to the SMTP server: the standard library's smtplib (kept with Python
itself, no extra dependency, synchronous like the worker's other sends; the worker runs each
task on a thread of its own, so an async client would buy nothing here).

One connection per batch: connect (implicit TLS, or STARTTLS before anything is said, or
plain for a local relay), log in if a user is set, then one transaction per message. Every
failure belongs to its message (never raised): a connect that fails fails the whole batch
with the same error, a message the server refuses carries the server's code and text, and a
connection dropped midway is opened again for the next message.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from pesanan.config import Settings

EXCERPT = 500


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str  # starttls | tls | none
    user: str
    password: str
    timeout: float
    mail_from: str  # "" : the shop's email

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"SmtpConfig({self.host}:{self.port}, tls={self.tls}, user={self.user!r})"


def config_for(settings: Settings) -> SmtpConfig | None:
    """The server the settings name; None when email is off (no PESANAN_SMTP_HOST)."""
    if not settings.smtp_host:
        return None
    return SmtpConfig(settings.smtp_host, settings.smtp_port, settings.smtp_tls,
                      settings.smtp_user, settings.smtp_password.get_secret_value(),
                      settings.smtp_timeout_seconds, settings.mail_from)


@dataclass
class Result:
    """What one message's send came to: the server's reply code (250: accepted), or the
    error; how long it took."""

    code: int | None
    error: str | None
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None


def _open(cfg: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if cfg.tls == "tls":
        smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        if cfg.tls == "starttls":
            smtp.starttls(context=context)
        if cfg.user:
            smtp.login(cfg.user, cfg.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (None, b""))
        return code, f"recipient refused: {code} {text.decode('utf-8', 'replace')}"
    if isinstance(exc, smtplib.SMTPResponseException):
        raw: bytes | str = exc.smtp_error
        said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return exc.smtp_code, f"SMTP {exc.smtp_code}: {said}"
    return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def send_all(cfg: SmtpConfig, messages: Iterable[EmailMessage | str],
             opener: Callable[[SmtpConfig], smtplib.SMTP] = _open) -> list[Result]:
    """Send each message (a str: why it cannot be sent, no SMTP at all) in order on one
    connection; one Result each."""
    results: list[Result] = []
    smtp: smtplib.SMTP | None = None
    down: str | None = None  # the connect failed: the rest of the batch waits for the retry
    try:
        for msg in messages:
            started = time.monotonic()

            def took(t: float = started) -> int:
                return int((time.monotonic() - t) * 1000)
            if isinstance(msg, str):
                results.append(Result(None, msg[:EXCERPT], 0))
                continue
            if down is not None:
                results.append(Result(None, down, 0))
                continue
            try:
                if smtp is None:
                    smtp = opener(cfg)
            except (smtplib.SMTPException, OSError) as exc:
                down = f"cannot reach the SMTP server {cfg.host}:{cfg.port}: " \
                       f"{_describe(exc)[1]}"[:EXCERPT]
                results.append(Result(_describe(exc)[0], down, took()))
                continue
            try:
                smtp.send_message(msg)
            except (smtplib.SMTPException, OSError) as exc:
                code, error = _describe(exc)
                results.append(Result(code, error[:EXCERPT], took()))
                if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                    smtp.close()
                    smtp = None  # opened again for the next message
                continue
            results.append(Result(250, None, took()))
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    return results
