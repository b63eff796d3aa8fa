"""API keys: created once (the secret is shown once), stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from pesanan.auth.models import api_key
from pesanan.auth.roles import ROLES
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.core.ids import new_id

PREFIX = "psn_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(conn: Connection, name: str, role: str) -> tuple[dict[str, Any], str]:
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}; one of {', '.join(ROLES)}",
                               [FieldError("role", "unknown_role", "no such role")])
    secret = PREFIX + secrets.token_urlsafe(32)
    row = {"id": new_id(), "name": name, "role": role, "key_hash": hash_key(secret),
           "prefix": secret[:12], "created_at": now(), "revoked_at": None}
    conn.execute(api_key.insert(), row)
    return {"id": row["id"], "name": name, "role": role, "prefix": row["prefix"]}, secret


def revoke_api_key(conn: Connection, key_id: str) -> None:
    done = conn.execute(
        update(api_key)
        .where(api_key.c.id == key_id, api_key.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if done.rowcount != 1:
        raise NotFound(f"active API key {key_id} not found")


class KeyCache:
    """Per-process cache of key hash -> actor, so authenticating a request costs no query on
    the hot path. Entries live `ttl` seconds: a revoked key stops working within that time."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Actor | None]] = {}

    def cached(self, secret: str) -> tuple[bool, Actor | None]:
        """(found, actor) from the cache alone: lets an async caller skip a thread hand-off
        on a hit and go to the database (`lookup`, in a worker thread) only on a miss."""
        hit = self._entries.get(hash_key(secret))
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def lookup(self, secret: str) -> Actor | None:
        digest = hash_key(secret)
        hit = self._entries.get(digest)
        t = time.monotonic()
        if hit is not None and hit[0] > t:
            return hit[1]
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_key.c.id, api_key.c.name, api_key.c.role)
                .where(api_key.c.key_hash == digest, api_key.c.revoked_at.is_(None))
            ).first()
        actor = Actor(id=row.id, name=row.name, role=row.role) if row else None
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (t + self._ttl, actor)
        return actor
