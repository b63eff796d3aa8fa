"""API key administration, behind `pesanan apikey`, /api/v1/api-keys and the console page:
list (never a secret: only its hash is stored), create (the secret is returned once), revoke.

A revoked key is refused at once by the process that revoked it (the caller drops it from that
process's KeyCache) and by every other process within PESANAN_AUTH_CACHE_SECONDS, how long a
process trusts a key it has looked up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, select

from pesanan.auth import service
from pesanan.auth.models import api_key
from pesanan.auth.schemas import ApiKeyCreate
from pesanan.core.clock import rfc3339
from pesanan.core.errors import InvalidTransition, NotFound
from pesanan.db.paging import page

_public = select(api_key.c.id, api_key.c.name, api_key.c.role, api_key.c.prefix,
                 api_key.c.created_at, api_key.c.revoked_at)


def _out(r: RowMapping) -> dict[str, Any]:
    return {"id": r["id"], "name": r["name"], "role": r["role"], "prefix": r["prefix"],
            "created_at": rfc3339(r["created_at"]),
            "revoked_at": rfc3339(r["revoked_at"]) if r["revoked_at"] else None}


def list_api_keys(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                  ) -> dict[str, Any]:
    """Newest first (ids are time-ordered), revoked ones included."""
    rows, next_cursor = page(conn, _public, api_key.c.id, limit, cursor)
    return {"items": [_out(r) for r in rows], "next_cursor": next_cursor}


def get_api_key(conn: Connection, key_id: str) -> dict[str, Any]:
    row = conn.execute(_public.where(api_key.c.id == key_id)).mappings().first()
    if row is None:
        raise NotFound(f"no API key {key_id}")
    return _out(row)


def create_key(conn: Connection, cmd: ApiKeyCreate) -> dict[str, Any]:
    """The new key with its secret: the only time the secret exists outside its holder."""
    info, secret = service.create_api_key(conn, cmd.name, cmd.role)
    return {**get_api_key(conn, info["id"]), "secret": secret}


def without_secret(created: dict[str, Any]) -> dict[str, Any]:
    """What an idempotent replay of a create returns: the key, not its secret again."""
    return {**created, "secret": None}


def revoke_key(conn: Connection, key_id: str) -> dict[str, Any]:
    key = get_api_key(conn, key_id)
    if key["revoked_at"] is not None:
        raise InvalidTransition(f"API key {key_id} ({key['name']}) was already revoked at "
                                f"{key['revoked_at']}")
    service.revoke_api_key(conn, key_id)  # guarded: a concurrent revoke makes this NotFound
    return get_api_key(conn, key_id)
