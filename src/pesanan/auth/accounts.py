"""Console user administration (the Users page; admin only): list, invite, change role,
disable and enable, reset a password. Creating and logging in are auth.users and auth.login.

The shop always keeps one enabled admin: a role change or a disable that would leave none is
refused. Two admins demoting each other at the same moment must not both pass that check, so
the enabled admins' rows are locked (in id order, so two such commands cannot deadlock) before
counting them; on SQLite the one writer serialises them anyway.

A password the admin leaves blank is made up here (a passphrase of random words is not needed:
16 URL-safe random bytes) and returned once, like an API key's secret; only its hash is kept."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, RowMapping, select, update

from pesanan.auth import users
from pesanan.auth.models import app_user
from pesanan.auth.passwords import HASHER
from pesanan.auth.schemas import PasswordReset, UserCreate, UserRoleSet
from pesanan.core.actor import Actor
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import Conflict, FieldError, Invalid, InvalidTransition, NotFound
from pesanan.db.paging import page

_public = select(app_user.c.id, app_user.c.email, app_user.c.name, app_user.c.role,
                 app_user.c.created_at, app_user.c.disabled_at, app_user.c.locked_until)


def _out(r: RowMapping) -> dict[str, Any]:
    return {"id": r["id"], "email": r["email"], "name": r["name"], "role": r["role"],
            "created_at": rfc3339(r["created_at"]),
            "disabled_at": rfc3339(r["disabled_at"]) if r["disabled_at"] else None,
            "locked_until": rfc3339(r["locked_until"]) if r["locked_until"] else None}


def list_users(conn: Connection, *, limit: int = 50, cursor: str | None = None
               ) -> dict[str, Any]:
    """Newest first (ids are time-ordered), disabled ones included."""
    rows, nxt = page(conn, _public, app_user.c.id, limit, cursor)
    return {"items": [_out(r) for r in rows], "next_cursor": nxt}


def get_user(conn: Connection, user_id: str) -> dict[str, Any]:
    row = conn.execute(_public.where(app_user.c.id == user_id)).mappings().first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return _out(row)


def _password(given: str | None) -> tuple[str, str | None]:
    """The password to set, and the one to show (only when made up here)."""
    if given is None:
        made = secrets.token_urlsafe(16)
        return made, made
    return given, None


def invite_user(conn: Connection, cmd: UserCreate) -> dict[str, Any]:
    """Create a user; `password` in the answer only when the server made it up."""
    password, shown = _password(cmd.password)
    info = users.create_user(conn, cmd.email, cmd.name, cmd.role, password)
    return {**get_user(conn, info["id"]), "password": shown}


def _keeps_an_admin(conn: Connection, user_id: str, what: str, field: str) -> None:
    """Refuse when `user_id` is the only enabled admin (rows locked first: see the module)."""
    admins = conn.execute(
        select(app_user.c.id)
        .where(app_user.c.role == "admin", app_user.c.disabled_at.is_(None))
        .order_by(app_user.c.id).with_for_update()
    ).scalars().all()
    if list(admins) == [user_id]:
        raise InvalidTransition(
            f"{what} would leave the shop without an enabled admin",
            [FieldError(field, "last_admin",
                        "This is the only enabled admin: make another user admin first.")])


def set_role(conn: Connection, user_id: str, cmd: UserRoleSet, actor: Actor
             ) -> dict[str, Any]:
    user = get_user(conn, user_id)
    if user["role"] == "admin" and cmd.role != "admin" and user["disabled_at"] is None:
        _keeps_an_admin(conn, user_id, f"Making {user['email']} {cmd.role}", "role")
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(role=cmd.role))
    return get_user(conn, user_id)


def set_disabled(conn: Connection, user_id: str, disabled: bool, actor: Actor
                 ) -> dict[str, Any]:
    """Disable (refuses every login and ends the user's sessions at their next request:
    deps.current_user reads only enabled users) or enable again."""
    user = get_user(conn, user_id)
    if disabled and user_id == actor.id:
        raise InvalidTransition("You cannot disable yourself",
                                [FieldError("form", "self", "Ask another admin to do it.")])
    if disabled and user["role"] == "admin" and user["disabled_at"] is None:
        _keeps_an_admin(conn, user_id, f"Disabling {user['email']}", "form")
    if disabled == (user["disabled_at"] is not None):
        state = "disabled" if disabled else "enabled"
        raise Conflict(f"{user['email']} is already {state}")
    conn.execute(update(app_user).where(app_user.c.id == user_id)
                 .values(disabled_at=now() if disabled else None))
    return get_user(conn, user_id)


def reset_password(conn: Connection, user_id: str, cmd: PasswordReset) -> dict[str, Any]:
    """Set a new password (made up when not given, then returned once); lifts a lockout."""
    get_user(conn, user_id)
    password, shown = _password(cmd.password)
    if len(password) < users.MIN_PASSWORD:
        inv = Invalid()
        inv.add("password", "too_short", f"at least {users.MIN_PASSWORD} characters")
        inv.raise_if_any("The password is too short")
    conn.execute(update(app_user).where(app_user.c.id == user_id)
                 .values(password_hash=HASHER.hash(password), failed_logins=0,
                         locked_until=None))
    return {**get_user(conn, user_id), "password": shown}
