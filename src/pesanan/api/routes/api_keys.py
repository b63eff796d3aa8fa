"""API keys: list, create (the secret shown once), revoke. Admin only (apikeys:*): a key that
can make keys can make an admin key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.auth import keys
from pesanan.auth.schemas import ApiKeyCreate
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor

router = APIRouter(prefix="/api-keys", tags=["api keys"])
Reader = Annotated[Actor, Depends(require("apikeys:read"))]
Writer = Annotated[Actor, Depends(require("apikeys:write"))]


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    role: str
    prefix: str  # the key's first 12 characters, to tell keys apart; never the secret
    created_at: str
    revoked_at: str | None


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str | None  # in the creating response only; null in a replay


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]
    next_cursor: str | None


@router.get("", response_model=ApiKeyPage)
def list_api_keys(conn: ReadConn, _: Reader, limit: int = 50,
                  cursor: str | None = None) -> dict[str, Any]:
    """Every key, newest first, revoked ones included (with `revoked_at`)."""
    return keys.list_api_keys(conn, limit=limit, cursor=cursor)


@router.get("/{key_id}", response_model=ApiKeyOut)
def get_api_key(key_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return keys.get_api_key(conn, key_id)


@router.post("", status_code=201, response_model=ApiKeyCreatedOut)
def create_api_key(body: ApiKeyCreate, request: Request, actor: Writer) -> Response:
    """Create a key. Its `secret` is in this response only (stored hashed): a replay with the
    same Idempotency-Key returns the key with `secret: null`."""
    return commands.run(request, actor, lambda c: keys.create_key(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/api-keys/{r['id']}",
                        replay=keys.without_secret)


@router.post("/{key_id}/revoke", response_model=ApiKeyOut)
def revoke_api_key(key_id: str, request: Request, actor: Writer) -> Response:
    """Revoke a key: refused at once by this server process, by every other within
    PESANAN_AUTH_CACHE_SECONDS (how long a process trusts a key it looked up)."""
    resp = commands.run(request, actor, lambda c: keys.revoke_key(c, key_id))
    if resp.status_code == 200:
        container: Container = request.app.state.container
        container.keys.forget(key_id)
    return resp
