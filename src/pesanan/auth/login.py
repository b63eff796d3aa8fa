"""Console login in three steps, so the slow part holds no lock and no write transaction:

1. `find`: the account, on a read connection;
2. `check`: argon2 verification (~50-300 ms of CPU), outside any transaction — on SQLite a
   check inside the single `BEGIN IMMEDIATE` writer made every order wait for it;
3. `settle`: the bookkeeping (failures in a row, lockout, a rehash) in its own short
   transaction, and only when something changes.

An account is locked for `lockout_seconds` after `lockout_failures` failed logins in a row; a
locked account is refused without checking the password. The count and the lock are columns of
app_user, so every worker process agrees. Unknown emails cost the same argon2 check as wrong
passwords, so timing does not tell which emails exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, case, or_, select, update

from pesanan.auth.models import app_user
from pesanan.auth.passwords import DUMMY_HASH, HASHER
from pesanan.core.actor import Actor
from pesanan.core.errors import RateLimited


@dataclass(frozen=True)
class Policy:
    lockout_failures: int = 10
    lockout_seconds: float = 900.0


@dataclass(frozen=True)
class Account:
    actor: Actor
    password_hash: str
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Verdict:
    account: Account | None  # None: no such (enabled) user
    ok: bool
    new_hash: str | None = None  # the password re-hashed with today's parameters


def find(conn: Connection, email: str) -> Account | None:
    row = conn.execute(
        select(app_user.c.id, app_user.c.name, app_user.c.role, app_user.c.password_hash,
               app_user.c.failed_logins, app_user.c.locked_until)
        .where(app_user.c.email == email.strip().lower(), app_user.c.disabled_at.is_(None))
    ).first()
    if row is None:
        return None
    return Account(Actor(id=row.id, name=row.name, role=row.role), row.password_hash,
                   row.failed_logins, row.locked_until)


def refuse_if_locked(account: Account | None, at: datetime) -> None:
    """RateLimited while the account is locked (Retry-After: until the lock ends)."""
    if account is not None and account.locked_until is not None and account.locked_until > at:
        raise RateLimited("Too many failed logins: this account is locked.",
                          math.ceil((account.locked_until - at).total_seconds()))


def check(account: Account | None, password: str) -> Verdict:
    """The argon2 verification: CPU only, no database."""
    try:
        HASHER.verify(account.password_hash if account else DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verdict(account, ok=False)
    if account is None:
        return Verdict(None, ok=False)
    new_hash = (HASHER.hash(password) if HASHER.check_needs_rehash(account.password_hash)
                else None)
    return Verdict(account, ok=True, new_hash=new_hash)


def changes(verdict: Verdict) -> bool:
    """Whether `settle` writes: not for an unknown email or a clean success (the common
    case), so those take no write transaction at all."""
    account = verdict.account
    if account is None:
        return False
    return not verdict.ok or account.failed_logins != 0 or verdict.new_hash is not None


def settle(conn: Connection, verdict: Verdict, policy: Policy, at: datetime) -> None:
    """Record a verdict in one short statement."""
    account = verdict.account
    if account is None or not changes(verdict):
        return
    user = app_user.c
    if not verdict.ok:
        # One atomic UPDATE, so concurrent failures in several processes all count; SET reads
        # the row's old values, so both columns see the same `failed_logins + 1`.
        reached = user.failed_logins + 1 >= policy.lockout_failures
        conn.execute(update(app_user).where(user.id == account.actor.id).values(
            failed_logins=case((reached, 0), else_=user.failed_logins + 1),
            locked_until=case((reached, at + timedelta(seconds=policy.lockout_seconds)),
                              else_=user.locked_until)))
        return
    values: dict[str, object] = {"failed_logins": 0}
    if verdict.new_hash is not None:
        values["password_hash"] = verdict.new_hash
    # Not over a lock another process set meanwhile.
    conn.execute(update(app_user).where(
        user.id == account.actor.id,
        or_(user.locked_until.is_(None), user.locked_until <= at)).values(**values))
