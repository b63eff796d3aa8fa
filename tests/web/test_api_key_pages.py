"""Console: API keys (admin only) — list, create (the key shown once), revoke (CSRF-checked)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login

_SECRET = re.compile(r'<code id="new-key-secret">(psn_[A-Za-z0-9_-]+)</code>')


def _orders_status(client: TestClient, secret: str) -> int:
    return client.get("/api/v1/orders", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code


def _key_id(container: Container, name: str) -> str:
    with container.engine.connect() as conn:
        return str(conn.execute(text("SELECT id FROM api_key WHERE name = :n"),
                                {"n": name}).scalar_one())


def test_an_admin_creates_a_key_and_sees_it_once(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    assert '<a href="/api-keys"' in client.get("/api-keys").text

    resp = client.post("/api-keys", data={"name": "shop sync", "role": "clerk",
                                          "csrf_token": csrf})

    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    found = _SECRET.search(resp.text)
    assert found, "the new key is not on the page"
    secret = found.group(1)
    assert "New clerk key for shop sync" in resp.text
    assert _orders_status(client, secret) == 200
    again = client.get("/api-keys").text
    assert secret not in again  # shown once
    assert f"<code>{secret[:12]}…</code>" in again and "shop sync" in again


def test_an_admin_revokes_a_key_and_it_stops_working(
        api: Api, client: TestClient, container: Container) -> None:
    secret = api.key("clerk")
    key_id = _key_id(container, "test-clerk")
    csrf = login(client, container, "admin")
    assert f'action="/api-keys/{key_id}/revoke"' in client.get("/api-keys").text

    resp = client.post(f"/api-keys/{key_id}/revoke", data={"csrf_token": csrf},
                       follow_redirects=False)

    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == f"/api-keys?revoked={key_id}"
    assert _orders_status(client, secret) == 401
    page = client.get(resp.headers["location"]).text
    assert "Key revoked. This server refuses it now" in page
    assert f'action="/api-keys/{key_id}/revoke"' not in page  # no second revoke button
    row = page.split(f'id="key-{key_id}"')[1].split("</tr>")[0]
    assert "<time datetime=" in row.split("</td>")[4]  # the revoked column


def test_a_revoke_without_the_csrf_token_is_refused_and_the_key_still_works(
        api: Api, client: TestClient, container: Container) -> None:
    secret = api.key("clerk")
    key_id = _key_id(container, "test-clerk")
    login(client, container, "admin")
    before = snapshot(container.engine)

    resp = client.post(f"/api-keys/{key_id}/revoke", data={}, follow_redirects=False)

    assert resp.status_code == 403
    assert "Form expired" in resp.text
    assert snapshot(container.engine) == before
    assert _orders_status(client, secret) == 200


def test_a_bad_key_form_shows_the_error_beside_the_field_and_creates_nothing(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = snapshot(container.engine)

    resp = client.post("/api-keys", data={"name": "shop sync", "role": "root",
                                          "csrf_token": csrf})

    assert resp.status_code == 422
    assert 'id="role-error"' in resp.text
    assert 'value="shop sync"' in resp.text  # the form keeps what was typed
    assert "new-key-secret" not in resp.text
    assert snapshot(container.engine) == before


def test_revoking_an_unknown_key_says_so_and_changes_nothing(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = snapshot(container.engine)

    resp = client.post("/api-keys/no-such-key/revoke", data={"csrf_token": csrf})

    assert resp.status_code == 404
    assert "no API key no-such-key" in resp.text
    assert snapshot(container.engine) == before


def test_other_roles_neither_see_nor_use_the_api_keys_page(
        client: TestClient, container: Container) -> None:
    for role in ("clerk", "warehouse", "accountant"):
        csrf = login(client, container, role)
        before = snapshot(container.engine)
        assert '<a href="/api-keys"' not in client.get("/").text
        assert client.get("/api-keys").status_code == 403
        made = client.post("/api-keys", data={"name": "mine", "role": "admin",
                                              "csrf_token": csrf})
        assert made.status_code == 403
        assert "new-key-secret" not in made.text
        assert snapshot(container.engine) == before
