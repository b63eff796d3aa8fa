"""API keys: created once (the secret is shown once), stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
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
    the hot path. Entries live `ttl` seconds: a revoked key stops working within that time.

    Known keys and unknown tokens are kept apart: anyone can send unknown tokens, so they go
    to a bounded LRU of their own (and for at most NEGATIVE_TTL, so a key just created in
    another process works at once); a spray of random tokens evicts only other random tokens,
    never a valid key. A valid key's entry stays after it expires (it is looked up again), so
    `vouched` still knows it. Lookups use `engine`, a small pool of their own (bootstrap.py)."""

    NEGATIVE_SIZE = 10_000
    NEGATIVE_TTL = 5.0
    POSITIVE_SIZE = 100_000  # keys an operator created: only a real key gets in

    def __init__(self, engine: Engine, ttl: float) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = threading.Lock()
        self._known: OrderedDict[str, tuple[float, Actor]] = OrderedDict()
        self._unknown: OrderedDict[str, float] = OrderedDict()

    def cached(self, secret: str) -> tuple[bool, Actor | None]:
        """(found, actor) from the cache alone: lets an async caller skip a thread hand-off
        on a hit and go to the database (`lookup`, in a worker thread) only on a miss."""
        return self._cached(hash_key(secret), time.monotonic())

    def _cached(self, digest: str, t: float) -> tuple[bool, Actor | None]:
        known = self._known.get(digest)
        if known is not None and known[0] > t:
            return True, known[1]
        unknown_until = self._unknown.get(digest)
        if unknown_until is not None and unknown_until > t:
            return True, None
        return False, None

    def vouched(self, secret: str) -> bool:
        """Whether this process has seen the key valid, however long ago: such a key is looked
        up again when its entry expires, never refused with the unknown tokens sprayed from its
        address (a NAT, a proxy, a misconfigured client next to a good one)."""
        return hash_key(secret) in self._known

    def lookup(self, secret: str) -> Actor | None:
        digest = hash_key(secret)
        t = time.monotonic()
        found, actor = self._cached(digest, t)
        if found:
            return actor
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_key.c.id, api_key.c.name, api_key.c.role)
                .where(api_key.c.key_hash == digest, api_key.c.revoked_at.is_(None))
            ).first()
        actor = Actor(id=row.id, name=row.name, role=row.role) if row else None
        with self._lock:
            if actor is not None:
                self._unknown.pop(digest, None)
                _put(self._known, digest, (t + self._ttl, actor), self.POSITIVE_SIZE)
            else:
                self._known.pop(digest, None)
                _put(self._unknown, digest, t + min(self._ttl, self.NEGATIVE_TTL),
                     self.NEGATIVE_SIZE)
        return actor

    def forget(self, key_id: str) -> None:
        """Drop a key just revoked, so this process refuses it at once (others within ttl)."""
        with self._lock:
            for digest in [d for d, (_, a) in self._known.items() if a.id == key_id]:
                del self._known[digest]

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self._unknown.clear()


def _put(lru: OrderedDict[str, Any], key: str, value: Any, size: int) -> None:
    lru[key] = value
    lru.move_to_end(key)
    while len(lru) > size:
        lru.popitem(last=False)
