"""The composition root: settings -> engine -> caches, built once per process and handed to
every entrypoint (API, CLI, worker)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from pesanan.auth.service import KeyCache
from pesanan.config import Settings, get_settings
from pesanan.db.engine import make_engine


@dataclass
class Container:
    settings: Settings
    engine: Engine  # commands: one transaction each
    read_engine: Engine  # queries; the same engine on PostgreSQL
    keys: KeyCache

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def build(settings: Settings | None = None) -> Container:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, settings.pool_size, settings.pool_overflow)
    reader = (make_engine(settings.database_url, readonly=True) if settings.is_sqlite
              else engine)
    return Container(settings, engine, reader, KeyCache(reader, settings.auth_cache_seconds))
