"""Console users, their passwords stored as argon2id hashes (auth.passwords). Logging in
(verification, lockout) is auth.login."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from pesanan.auth.models import app_user
from pesanan.auth.passwords import HASHER as _hasher
from pesanan.auth.roles import ROLES
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.emails import normalize_email
from pesanan.core.errors import Conflict, FieldError, Invalid
from pesanan.core.ids import new_id

MIN_PASSWORD = 10


def create_user(conn: Connection, email: str, name: str, role: str, password: str
                ) -> dict[str, Any]:
    inv = Invalid()
    try:  # the same syntax check as customers and suppliers (pesanan.core.emails)
        email = normalize_email(email.strip()).lower()
    except ValueError as e:
        inv.add("email", "invalid", str(e))
    if role not in ROLES:
        inv.add("role", "unknown_role", f"one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        inv.add("password", "too_short", f"at least {MIN_PASSWORD} characters")
    inv.raise_if_any("The user cannot be created")
    taken = Conflict(f"a user with email {email} exists",
                     [FieldError("email", "duplicate", "email is taken")])
    if conn.execute(select(app_user.c.id).where(app_user.c.email == email)).first():
        raise taken
    row = {"id": new_id(), "email": email, "name": name.strip() or email, "role": role,
           "password_hash": _hasher.hash(password), "created_at": now(), "disabled_at": None}
    try:
        with conn.begin_nested():
            conn.execute(app_user.insert(), row)
    except IntegrityError:  # a concurrent create of the same email won the unique index
        raise taken from None
    return {"id": row["id"], "email": email, "name": row["name"], "role": role}


def get_user(conn: Connection, user_id: str) -> Actor | None:
    row = conn.execute(
        select(app_user.c.id, app_user.c.name, app_user.c.role)
        .where(app_user.c.id == user_id, app_user.c.disabled_at.is_(None))
    ).first()
    return Actor(id=row.id, name=row.name, role=row.role) if row else None


def any_user(conn: Connection) -> bool:
    return conn.execute(select(app_user.c.id).limit(1)).first() is not None


def set_password(conn: Connection, email: str, password: str) -> bool:
    """Reset a user's password (and lift a login lockout); False when no such user."""
    if len(password) < MIN_PASSWORD:
        inv = Invalid()
        inv.add("password", "too_short", f"at least {MIN_PASSWORD} characters")
        inv.raise_if_any("The password is too short")
    done = conn.execute(update(app_user).where(app_user.c.email == email.strip().lower())
                        .values(password_hash=_hasher.hash(password), failed_logins=0,
                                locked_until=None))
    return done.rowcount == 1


def unlock(conn: Connection, email: str) -> bool:
    """Lift a login lockout and forget the failures in a row, keeping the password (an operator
    who knows the user is who they say); False when no such user."""
    done = conn.execute(update(app_user).where(app_user.c.email == email.strip().lower())
                        .values(failed_logins=0, locked_until=None))
    return done.rowcount == 1


def get_locale(conn: Connection, user_id: str) -> str | None:
    """The user's own console language, or None: follow the shop's (issue 12)."""
    row = conn.execute(select(app_user.c.locale).where(app_user.c.id == user_id)).first()
    return row.locale if row else None


def set_locale(conn: Connection, user_id: str, locale: str | None) -> bool:
    """Set (None: clear) the user's console language; the caller checked it is one the console
    speaks (pesanan.shop.profile.SUPPORTED_LOCALES). False when no such user."""
    done = conn.execute(update(app_user).where(app_user.c.id == user_id).values(locale=locale))
    return done.rowcount == 1
