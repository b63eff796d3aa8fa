"""Console logins for the demo: one user per role, all sharing one fresh password per run.

Passwords are stored only as argon2 hashes, so each `make run` sets and prints a new one
rather than keeping a secret in plain text."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection

from pesanan.auth import users
from pesanan.auth.roles import ROLES

DOMAIN = "demo.pesanan.local"


def email_for(role: str) -> str:
    return f"{role}@{DOMAIN}"


def reset_demo_logins(conn: Connection) -> str:
    password = "-".join(secrets.token_urlsafe(4) for _ in range(3))
    for role in ROLES:
        if not users.set_password(conn, email_for(role), password):
            users.create_user(conn, email_for(role), f"Demo {role}", role, password)
    return password
