"""One transaction per command, committed at the boundary, re-run when it lost a race.

Used by every entrypoint (API, console, CLI, demo) so they all retry the same way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError

from pesanan.core.errors import Conflict, DomainError, Retry
from pesanan.db import pipeline

log = logging.getLogger("pesanan.tx")
T = TypeVar("T")
MAX_ATTEMPTS = 6
# PostgreSQL: serialization failure, deadlock. Both mean "run it again", never "give up".
RETRYABLE_SQLSTATES = {"40001", "40P01"}


def retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def domain_error_of(exc: StatementError) -> DomainError | None:
    """The domain error a bind processor raised (db/types.py: an amount past the column),
    which SQLAlchemy wraps in a StatementError: callers refuse with it (422), not a 500."""
    return exc.orig if isinstance(exc.orig, DomainError) else None


def transact(engine: Engine, fn: Callable[[Connection], T], attempts: int = MAX_ATTEMPTS) -> T:
    with engine.connect() as conn:
        return transact_on(conn, fn, attempts)


def transact_on(conn: Connection, fn: Callable[[Connection], T],
                attempts: int = MAX_ATTEMPTS) -> T:
    """`transact` on a connection the caller holds (no transaction open): each attempt is a
    transaction of its own on it."""
    for attempt in range(attempts):
        try:
            with conn.begin():
                result = fn(conn)
                # A pipelined command's writes go out and are checked here, so a failed check
                # (a stock race: Retry) rolls back inside this block like any other.
                pipeline.settle(conn)
                return result
        except Retry:
            log.debug("lost a stock race; attempt %d", attempt + 1)
        except DBAPIError as exc:
            if not retryable(exc):
                raise
            log.info("retrying after %s; attempt %d", exc.orig, attempt + 1)
        except StatementError as exc:
            refused = domain_error_of(exc)
            if refused is None:
                raise
            raise refused from None
    raise Conflict("the resource kept changing under this request; try again")
