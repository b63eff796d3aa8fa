"""Logging in, roles and CSRF on the console (no browser)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import PASSWORD, csrf_of, login, make_user


def test_pages_need_a_login(client: TestClient) -> None:
    resp = client.get("/orders", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=/orders"


def test_a_wrong_password_is_refused_with_a_message(client: TestClient,
                                                    container: Container) -> None:
    email = make_user(container, "admin")
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"email": email, "password": "not it at all",
                                       "csrf_token": token})
    assert resp.status_code == 401
    assert "Wrong email or password." in resp.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_login_without_the_csrf_token_is_refused(client: TestClient,
                                                   container: Container) -> None:
    email = make_user(container, "admin")
    client.get("/login")
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_form_post_without_the_token_changes_nothing(api: Api, client: TestClient,
                                                       container: Container) -> None:
    api.product("TEE")
    wh = api.location()
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 1)])
    login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post(f"/orders/{order['id']}/cancel", data={"reason": "forged"})
    assert resp.status_code == 403
    assert row_counts(container.engine) == before
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "open"


def test_the_dashboard_shows_todays_orders(api: Api, client: TestClient,
                                          container: Container) -> None:
    api.product("TEE", price="10.00", tax_rate="0")
    wh = api.location()
    api.stock("TEE", wh["id"], 5)
    api.order(api.customer()["id"], [("TEE", 2)])
    login(client, container, "clerk")
    page = client.get("/")
    assert page.status_code == 200
    assert '<p class="big" id="orders-today">1</p>' in page.text
    assert "20.00" in page.text


def test_logout_ends_the_session(client: TestClient, container: Container) -> None:
    token = login(client, container, "admin")
    resp = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303

