"""Typed dependencies: the container, the caller (authenticated, authorised)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from pesanan.auth.roles import allows
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import Forbidden, Unauthenticated


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <api key>'")
    return token.strip()


async def authenticate(request: Request) -> Actor:
    """The caller's actor. Async on purpose: a cached key costs no thread hand-off (FastAPI
    runs a plain `def` dependency in the thread pool, one extra hop per request); only a cache
    miss reads the database, in a worker thread."""
    token = _token(request)
    keys = get_container(request).keys
    found, actor = keys.cached(token)
    if not found:
        actor = await run_in_threadpool(keys.lookup, token)
    if actor is None:
        raise Unauthenticated("the API key is unknown or revoked")
    request.state.actor = actor
    return actor


def require(permission: str) -> Callable[[Request], Awaitable[Actor]]:
    async def dependency(request: Request) -> Actor:
        actor = await authenticate(request)
        if not allows(actor.role, permission):
            raise Forbidden(f"role {actor.role} may not {permission.replace(':', ' ')}")
        return actor

    return dependency


def read_conn(request: Request) -> Iterator[Connection]:
    """A connection for reads (GET). Commands use pesanan.api.commands.run instead."""
    with get_container(request).read_engine.connect() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_conn)]
