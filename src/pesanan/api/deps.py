"""Typed dependencies: the container, the caller (authenticated, authorised)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from pesanan.api.errors import DATABASE_FAULTS
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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def authenticate(request: Request) -> Actor:
    """The caller's actor. Async on purpose: a cached key costs no thread hand-off (FastAPI
    runs a plain `def` dependency in the thread pool, one extra hop per request); only a cache
    miss reads the database, in a worker thread, on the key lookups' own connections and at
    most as many at once as those (the rest wait on the event loop, holding nothing).

    Every dependency that takes a connection depends on this one, so a request is
    authenticated before it holds a connection, whatever order a route lists its parameters.
    An address past its unknown-key limit gets 429 instead of 401 for an unknown key. A key
    this process has not seen yet is still looked up while the lookups are idle, so a good
    client behind the same address (a NAT, a proxy) is not locked out by a spray; only while
    every lookup place is taken is it refused before the lookup. A key seen valid is always
    looked up; a known key's requests count against its own limit."""
    token = _token(request)
    container = get_container(request)
    keys = container.keys
    found, actor = keys.cached(token)
    if not found or actor is None:
        address = client_address(request)
        # A key this process has seen valid is looked up whatever its neighbours send.
        shed = not keys.vouched(token)
        if not found:
            if shed and container.key_lookups.busy:
                container.throttle.check_failed_auth(address)
            async with container.key_lookups.hold():
                actor = await run_in_threadpool(keys.lookup, token)
        if actor is None:
            if shed:  # past the address's limit: 429 (with Retry-After) rather than 401
                container.throttle.check_failed_auth(address)
            container.throttle.failed_auth(address)
            raise Unauthenticated("the API key is unknown or revoked")
    container.throttle.api_request(actor.id)
    request.state.actor = actor
    return actor


Authenticated = Annotated[Actor, Depends(authenticate)]


def require(permission: str) -> Callable[[Actor], Awaitable[Actor]]:
    async def dependency(actor: Authenticated) -> Actor:
        if not allows(actor.role, permission):
            raise Forbidden(f"role {actor.role} may not {permission.replace(':', ' ')}")
        return actor

    # Discoverable: the role x route matrix test reads each route's permission from here.
    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def read_conn(request: Request, _: Authenticated) -> Iterator[Connection]:
    """A connection for reads (GET), taken only once the caller is authenticated. Commands use
    pesanan.api.commands.run instead."""
    conn = get_container(request).read_engine.connect()
    try:
        yield conn
    finally:
        _close(conn)


def _close(conn: Connection) -> None:
    """Closing rolls back, which fails if the database dropped the connection since the query;
    that happens after the answer may have been sent, where raising would make uvicorn drop the
    client's connection. SQLAlchemy has discarded the broken connection by then: log it and
    let the answer stand (a fault during the request itself still answers 503)."""
    try:
        conn.close()
    except DATABASE_FAULTS:
        logging.getLogger("pesanan").warning("a read connection failed to close", exc_info=True)


ReadConn = Annotated[Connection, Depends(read_conn)]
