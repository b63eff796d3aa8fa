"""The process's container: settings -> engines -> caches, built once per process and handed to
every entrypoint (API, console, CLI, worker). pesanan.app, the composition root, hands it to the
one ASGI app it builds from the API and the console."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from pesanan.auth.service import KeyCache
from pesanan.auth.throttle import Gate, Throttle
from pesanan.config import Settings, get_settings
from pesanan.db.engine import make_engine


@dataclass
class Container:
    settings: Settings
    engine: Engine  # commands: one transaction each
    read_engine: Engine  # queries; the same engine on PostgreSQL
    keys: KeyCache  # looks keys up on its own small engine (auth_engine)
    auth_engine: Engine
    throttle: Throttle
    key_lookups: Gate  # cache misses at once: as many as auth_engine has connections
    password_checks: Gate  # argon2 verifications at once

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self.auth_engine.dispose()


def build(settings: Settings | None = None) -> Container:
    settings = settings or get_settings()
    url, timeout = settings.database_url, settings.pool_timeout
    engine = make_engine(url, settings.pool_size, settings.pool_overflow, timeout=timeout)
    reader = (make_engine(url, settings.pool_size, readonly=True, timeout=timeout)
              if settings.is_sqlite else engine)
    # Never the pool that requests read and write on: a key lookup that waited for one of those
    # connections while requests held them all (waiting for their key check) froze the server.
    auth_engine = make_engine(url, settings.auth_pool_size, 0, readonly=True, timeout=timeout)
    throttle = Throttle(
        settings.rate_limit_storage, api=settings.rate_limit_api,
        failed_auth=settings.rate_limit_failed_auth,
        login_account=settings.rate_limit_login_account,
        login_address=settings.rate_limit_login_address)
    return Container(settings, engine, reader, KeyCache(auth_engine, settings.auth_cache_seconds),
                     auth_engine, throttle, Gate(settings.auth_pool_size),
                     Gate(settings.login_verify_slots))
