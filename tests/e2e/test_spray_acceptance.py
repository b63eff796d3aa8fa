"""Issue 9's acceptance: 50 concurrent requests with unknown keys and 50 wrong logins while
orders are being placed, on the default settings: no 5xx, every order succeeds, the sprays get
only 401 or 429. (How much the sprays slow orders is measured by bench/spray.py, not here.)"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests import dbs
from tests.factories import Api
from tests.web.helpers import csrf_of, make_user

ORDER_THREADS, ORDERS_EACH = 4, 10


@pytest.fixture
def server(backend: str, database_urls: dict[str, str]) -> Iterator[Api]:
    c: Container = build(Settings(database_url=database_urls[backend]))  # the defaults
    dbs.clean(c.engine)
    with TestClient(create_app(c), raise_server_exceptions=False) as tc:
        yield Api(tc, c)
    c.close()


def test_unknown_keys_and_wrong_logins_while_orders_are_placed(server: Api) -> None:
    api = server
    api.product("TEE", price="10.00")
    wh = api.location()
    api.stock("TEE", wh["id"], 1_000)
    customer = api.customer()["id"]
    email = make_user(api.container, "clerk")
    token = csrf_of(api.client.get("/login").text)
    body = api.order_body(customer, [("TEE", 1)])
    headers = api.headers("admin")

    def place(_: int) -> list[int]:
        return [api.client.post("/api/v1/orders", json=body,
                                headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
                                ).status_code for _ in range(ORDERS_EACH)]

    def unknown_key(_: int) -> int:
        bad = {"Authorization": f"Bearer psn_{secrets.token_urlsafe(32)}"}
        return api.client.get("/api/v1/orders", headers=bad).status_code

    def wrong_login(n: int) -> int:
        return api.client.post("/login", data={"email": email, "password": f"guess {n}",
                                               "csrf_token": token}).status_code

    with ThreadPoolExecutor(ORDER_THREADS + 100) as pool:
        orders = [pool.submit(place, n) for n in range(ORDER_THREADS)]
        keys = [pool.submit(unknown_key, n) for n in range(50)]
        logins = [pool.submit(wrong_login, n) for n in range(50)]
        order_statuses = Counter(s for f in orders for s in f.result())
        key_statuses = Counter(f.result() for f in keys)
        login_statuses = Counter(f.result() for f in logins)

    assert order_statuses == {201: ORDER_THREADS * ORDERS_EACH}
    assert set(key_statuses) <= {401, 429} and key_statuses.total() == 50, key_statuses
    assert set(login_statuses) <= {401, 429} and login_statuses.total() == 50, login_statuses
    # 20 failures a minute per address (give or take the 2 lookups in flight), then refused
    # without a lookup; 6 login attempts a minute per account.
    assert key_statuses[429] >= 50 - 20 - 2
    assert login_statuses[429] == 50 - 6
    counts = dbs.row_counts(api.container.engine)
    assert counts["sales_order"] == ORDER_THREADS * ORDERS_EACH
