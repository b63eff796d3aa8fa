"""Console test helpers: users and logged-in TestClients."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pesanan.auth import users
from pesanan.bootstrap import Container

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(container: Container, role: str, email: str | None = None) -> str:
    email = email or f"{role}@example.com"
    with container.engine.begin() as conn:
        if not users.set_password(conn, email, PASSWORD):
            users.create_user(conn, email, f"Test {role}", role, PASSWORD)
    return email


def csrf_of(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: TestClient, container: Container, role: str = "admin") -> str:
    """Log `client` in as a user of `role`; returns the session's CSRF token."""
    email = make_user(container, role)
    resp = client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": csrf_of(client.get("/login").text)},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    # Logging in starts a fresh session (no fixation), so the token changes: read it anew.
    return csrf_of(client.get("/login").text)
