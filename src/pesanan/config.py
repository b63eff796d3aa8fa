"""Settings from the environment (prefix PESANAN_). Read once, in the composition root."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = f"sqlite:///{Path('var/pesanan.db').resolve()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PESANAN_", extra="ignore")

    database_url: str = DEFAULT_SQLITE
    # A few connections per core: more only adds lock contention and context switches.
    pool_size: int = 4
    pool_overflow: int = 2
    # Commands (every API write, console form post and 3PL callback) running in threads at once
    # per process; 0 = pool size + overflow. The rest wait in one FIFO queue on the event loop
    # (pesanan/slots.py).
    # 2 measured best on 2 cores (bench/README.md): a command spends most of its time in Python,
    # so more threads only contend for the GIL and stretch every command's latency.
    command_slots: int = 2
    # Seconds a request waits for a pooled connection before it fails.
    pool_timeout: float = 30.0
    # How long an API key lookup may be served from the per-process cache (seconds).
    auth_cache_seconds: float = 30.0
    # API key lookups (cache misses) get their own connections, so a burst of unknown keys can
    # never take the connections that reads and commands need (and one request never holds two).
    auth_pool_size: int = 2
    # Rate limits (the `limits` library, moving window; "" turns one off). Counted per process
    # with memory://; a shared storage (redis://host:6379) makes several hosts count together.
    rate_limit_storage: str = "memory://"
    rate_limit_api: str = "200/second"  # per API key
    rate_limit_failed_auth: str = "20/minute"  # unknown or revoked keys, per client address
    rate_limit_login_account: str = "6/minute"  # console login attempts, per email
    rate_limit_login_address: str = "10/minute"  # console login attempts, per client address
    # After this many failed logins in a row an account is locked for login_lockout_seconds
    # (kept in the database, so every worker process agrees).
    login_lockout_failures: int = 10
    login_lockout_seconds: float = 900.0
    # Password checks (argon2, ~45 ms of CPU each) running at once per process; the rest wait.
    # One: a login spray then takes at most one core from order placement, never both.
    login_verify_slots: int = 1
    # Outbound calls (3PL, webhooks) reach public addresses only; this comma-separated list of
    # IPs or CIDRs is allowed anyway, for development and tests ("127.0.0.1,::1").
    outbound_allow: str = ""
    # One outbound call's whole budget, DNS to last byte (seconds). A delivery's lease is three
    # of these, so it is also how soon a send cut by a crashed worker is retried.
    outbound_deadline_seconds: float = 10.0
    # Webhook retries follow delivery/backoff.py (eleven attempts over about three days); this
    # multiplies every wait (tests and demos shrink it, e.g. 0.001).
    webhook_backoff_scale: float = 1.0
    # An endpoint whose every delivery has failed for this long is disabled (seconds; 5 days).
    webhook_disable_after_seconds: float = 5 * 86400.0
    # After a secret rotation the old secret keeps signing too for this long (seconds; 24 h).
    webhook_secret_overlap_seconds: float = 86400.0
    # Seals secrets at rest (3PL secrets): Fernet keys, comma-separated, the first sealing.
    # Empty: a key derived (HKDF) from the app's secret key. See core/crypto.py.
    encryption_key: str = ""
    # The optional broker (broker/publisher.py): every event to NATS JetStream, subject
    # `<nats_subject_prefix>.<event type>`, in the stream `nats_stream` (made if missing).
    # Empty URL: no broker. nats_timeout bounds one connect and one batch's acknowledgements.
    nats_url: str = ""
    nats_stream: str = "PESANAN"
    nats_subject_prefix: str = "pesanan.events"
    nats_timeout: float = 5.0
    # Email (mail/): the notifications go out through this SMTP server. No host: email is
    # off (the worker runs no mail task, nothing is queued). smtp_tls: "starttls" (port 587),
    # "tls" (implicit TLS, port 465) or "none" (a local relay). mail_from: the From address;
    # empty: the shop profile's email. smtp_timeout_seconds bounds each connect and command.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = ""
    smtp_timeout_seconds: float = 10.0
    # Multiplies every retry wait of a message SMTP refused (delivery/backoff.py; tests shrink).
    mail_backoff_scale: float = 1.0
    log_level: str = "info"
    # "text" for a terminal, "json" for a log collector: one JSON object a line with ts, level,
    # logger, message, request_id (or task) and any extras (pesanan/telemetry/logs.py).
    log_format: Literal["text", "json"] = "text"
    # One INFO line per HTTP request (method, route, status, duration) with its request id.
    # Off by default like uvicorn's access log here: a terminal (make run, the benchmark)
    # would scroll a line per order; production turns it on (docs/deploy/pesanan.env).
    log_requests: bool = False
    # /metrics answers without credentials (like /healthz: scrapers sit on the private
    # network); set a token when the port is reachable from outside and give it to Prometheus
    # as its bearer token (it shows order counts).
    metrics_token: str = ""
    # Signs console session cookies. Empty: a random key is made once and kept in
    # ./var/secret.key, so every worker process and restart shares it.
    secret_key: str = ""
    secret_file: str = "var/secret.key"
    # Set true behind HTTPS so session cookies are never sent in clear.
    secure_cookies: bool = False

    def session_secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        import secrets

        from pesanan.secret_file import read_or_create

        return read_or_create(Path(self.secret_file), lambda: secrets.token_urlsafe(48))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
