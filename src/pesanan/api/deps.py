"""Typed dependencies: the container, the caller (authenticated, authorised)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from pesanan.auth.roles import allows
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import Forbidden, Unauthenticated


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def authenticate(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send 'Authorization: Bearer <api key>'")
    actor = get_container(request).keys.lookup(token.strip())
    if actor is None:
        raise Unauthenticated("the API key is unknown or revoked")
    request.state.actor = actor
    return actor


def require(permission: str) -> Callable[[Request], Actor]:
    def dependency(request: Request) -> Actor:
        actor = authenticate(request)
        if not allows(actor.role, permission):
            raise Forbidden(f"role {actor.role} may not {permission.replace(':', ' ')}")
        return actor

    return dependency


def read_conn(request: Request) -> Iterator[Connection]:
    """A connection for reads (GET). Commands use pesanan.api.commands.run instead."""
    with get_container(request).read_engine.connect() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_conn)]
