"""The console's users page (admin only): invite with a password typed or made up and shown
once, change role, disable and enable, reset a password; the last enabled admin stays one."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from pesanan.app import create_app
from pesanan.auth.models import app_user
from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.web.helpers import PASSWORD, csrf_of, login


def _user(container: Container, email: str) -> dict[str, object]:
    with container.engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.email == email)).mappings().one()
    return dict(row)


def _can_log_in(container: Container, email: str, password: str) -> bool:
    with TestClient(create_app(container)) as other:
        resp = other.post("/login", data={"email": email, "password": password,
                                          "csrf_token": csrf_of(other.get("/login").text)},
                          follow_redirects=False)
        return resp.status_code == 303


def test_an_invited_user_gets_a_password_shown_once_and_can_log_in(
        client: TestClient, container: Container) -> None:
    token = login(client, container, "admin")
    resp = client.post("/users", data={"csrf_token": token, "email": "Sari@Example.com",
                                       "name": "Sari", "role": "clerk", "password": ""})
    assert resp.status_code == 201, resp.text
    assert resp.headers["cache-control"] == "no-store"
    m = re.search(r'<code id="shown-password">([^<]+)</code>', resp.text)
    assert m, resp.text
    row = _user(container, "sari@example.com")
    assert (row["name"], row["role"], row["disabled_at"]) == ("Sari", "clerk", None)
    assert m.group(1) not in str(row["password_hash"])
    assert m.group(1) not in client.get("/users").text  # shown that once only
    assert _can_log_in(container, "sari@example.com", m.group(1))


def test_a_bad_invite_is_refused_beside_the_field_and_changes_nothing(
        client: TestClient, container: Container) -> None:
    token = login(client, container, "admin")
    before = snapshot(container.engine)
    resp = client.post("/users", data={"csrf_token": token, "email": "not-an-email",
                                       "role": "clerk", "password": "short"})
    assert resp.status_code == 422
    assert re.search(r'id="email-error" role="alert">[^<]+</small>', resp.text)
    assert 'id="password-error" role="alert">at least 10 characters</small>' in resp.text
    resp = client.post("/users", data={"csrf_token": token, "email": "admin@example.com",
                                       "role": "clerk", "password": ""})
    assert resp.status_code == 422
    assert 'id="email-error" role="alert">email is taken</small>' in resp.text
    assert snapshot(container.engine) == before


def test_role_change_disable_enable_and_password_reset(client: TestClient,
                                                       container: Container) -> None:
    token = login(client, container, "admin")
    client.post("/users", data={"csrf_token": token, "email": "budi@example.com",
                                "role": "warehouse", "password": PASSWORD})
    uid = str(_user(container, "budi@example.com")["id"])
    resp = client.post(f"/users/{uid}/role", data={"csrf_token": token, "role": "accountant"},
                       follow_redirects=False)
    assert resp.status_code == 303
    assert _user(container, "budi@example.com")["role"] == "accountant"
    assert "Role changed." in client.get(resp.headers["location"]).text
    assert client.post(f"/users/{uid}/disable", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert _user(container, "budi@example.com")["disabled_at"] is not None
    assert not _can_log_in(container, "budi@example.com", PASSWORD)
    assert client.post(f"/users/{uid}/enable", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert _user(container, "budi@example.com")["disabled_at"] is None
    resp = client.post(f"/users/{uid}/password", data={"csrf_token": token,
                                                       "password": "a new long password"})
    assert resp.status_code == 200
    assert "The password you typed is set." in resp.text
    assert _can_log_in(container, "budi@example.com", "a new long password")
    assert not _can_log_in(container, "budi@example.com", PASSWORD)


def test_the_last_admin_cannot_drop_their_admin_role(client: TestClient,
                                                     container: Container) -> None:
    token = login(client, container, "admin")
    uid = str(_user(container, "admin@example.com")["id"])
    before = snapshot(container.engine)
    resp = client.post(f"/users/{uid}/role", data={"csrf_token": token, "role": "clerk"})
    assert resp.status_code == 409
    assert ('role="alert">This is the only enabled admin: make another user admin first.'
            '</small>') in resp.text
    assert snapshot(container.engine) == before
    # With a second admin, the first may step down.
    client.post("/users", data={"csrf_token": token, "email": "second@example.com",
                                "role": "admin", "password": PASSWORD})
    assert client.post(f"/users/{uid}/role", data={"csrf_token": token, "role": "clerk"},
                       follow_redirects=False).status_code == 303
    assert _user(container, "admin@example.com")["role"] == "clerk"


def test_an_admin_cannot_disable_themselves(client: TestClient, container: Container) -> None:
    token = login(client, container, "admin")
    uid = str(_user(container, "admin@example.com")["id"])
    before = snapshot(container.engine)
    resp = client.post(f"/users/{uid}/disable", data={"csrf_token": token})
    assert resp.status_code == 409
    assert "Ask another admin to do it." in resp.text
    assert snapshot(container.engine) == before


def test_only_an_admin_sees_the_users_page(client: TestClient, container: Container) -> None:
    for role in ("clerk", "warehouse", "accountant"):
        token = login(client, container, role)
        assert client.get("/users").status_code == 403
        before = snapshot(container.engine)
        assert client.post("/users", data={"csrf_token": token, "email": "x@example.com",
                                           "role": "admin", "password": ""}).status_code == 403
        assert snapshot(container.engine) == before
        assert 'href="/users"' not in client.get("/products").text
