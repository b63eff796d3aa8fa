"""Rate limits: per API key, and per client address for unknown keys -> 429 `rate-limited`
with Retry-After; a refused request changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests import dbs
from tests.factories import Api

Make = Callable[..., Api]


@pytest.fixture
def make(backend: str, database_urls: dict[str, str]) -> Iterator[Make]:
    """An Api over a fresh app whose container has the given settings."""
    made: list[tuple[Container, TestClient]] = []

    def factory(**settings: Any) -> Api:
        c = build(Settings(database_url=database_urls[backend], **settings))
        dbs.clean(c.engine)
        # Entered: one event loop for all requests, as in a server process (the gates are
        # per loop).
        tc = TestClient(create_app(c), raise_server_exceptions=False).__enter__()
        made.append((c, tc))
        return Api(tc, c)

    yield factory
    for c, tc in made:
        tc.__exit__(None, None, None)
        c.close()


def _rate_limited(resp: Response, window: int) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"] == "/problems/rate-limited"
    assert resp.json()["status"] == 429
    assert 1 <= int(resp.headers["retry-after"]) <= window


def test_a_key_past_its_limit_gets_429_with_retry_after_and_other_keys_carry_on(
        make: Make) -> None:
    api = make(rate_limit_api="3/minute", auth_cache_seconds=30.0)
    api.key("admin")
    api.key("clerk")
    assert [api.get("/orders").status_code for _ in range(3)] == [200, 200, 200]
    _rate_limited(api.get("/orders"), 60)
    assert api.get("/customers", role="clerk").status_code == 200


def test_a_rate_limited_order_changes_nothing(make: Make) -> None:
    api = make(rate_limit_api="4/minute")
    api.product("TEE")
    wh = api.location()
    customer = api.customer()
    api.stock("TEE", wh["id"], 5)  # the key's 4th request this minute
    before = dbs.row_counts(api.container.engine)
    _rate_limited(api.post("/orders", api.order_body(customer["id"], [("TEE", 1)]), idem="k1"),
                  60)
    assert dbs.row_counts(api.container.engine) == before


class _Busy:
    """Stands for key lookups whose every place is taken (a spray in progress)."""

    busy = True


def test_past_the_limit_an_unknown_key_gets_429_and_a_fresh_valid_key_still_gets_in(
        make: Make) -> None:
    api = make(rate_limit_failed_auth="3/minute", auth_cache_seconds=30.0)
    bad = {"Authorization": "Bearer psn_not-a-key"}
    statuses = [api.client.get("/api/v1/orders", headers=bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    _rate_limited(api.client.get("/api/v1/orders",
                                 headers={"Authorization": "Bearer psn_another-unknown-key"}), 60)
    # A key made after the spray began, never seen by this process, from the same address:
    # a good client behind the sprayer's NAT is not locked out.
    api.key("admin")
    assert api.get("/orders").status_code == 200


def test_while_every_lookup_is_taken_unknown_keys_past_the_limit_get_429_without_a_lookup(
        make: Make) -> None:
    api = make(rate_limit_failed_auth="3/minute", auth_cache_seconds=30.0)
    bad = {"Authorization": "Bearer psn_not-a-key"}
    assert [api.client.get("/api/v1/orders", headers=bad).status_code
            for _ in range(3)] == [401, 401, 401]
    lookups: list[str] = []

    def count(*_args: object) -> None:
        lookups.append("sql")

    api.container.key_lookups = _Busy()  # type: ignore[assignment]
    event.listen(api.container.auth_engine, "before_cursor_execute", count)
    other = {"Authorization": "Bearer psn_another-unknown-key"}
    _rate_limited(api.client.get("/api/v1/orders", headers=other), 60)
    event.remove(api.container.auth_engine, "before_cursor_execute", count)
    assert lookups == []


def test_a_key_seen_valid_keeps_working_from_a_limited_address_after_its_entry_expires(
        make: Make) -> None:
    # No caching: every request looks the key up again, as one does once its entry expires.
    api = make(rate_limit_failed_auth="2/minute", auth_cache_seconds=0.0)
    assert api.get("/orders").status_code == 200
    bad = {"Authorization": "Bearer psn_not-a-key"}
    assert [api.client.get("/api/v1/orders", headers=bad).status_code
            for _ in range(3)] == [401, 401, 429]
    assert api.get("/orders").status_code == 200


def test_an_empty_limit_is_off(make: Make) -> None:
    api = make(rate_limit_api="", rate_limit_failed_auth="")
    assert {api.get("/orders").status_code for _ in range(30)} == {200}
    bad = {"Authorization": "Bearer psn_not-a-key"}
    assert {api.client.get("/api/v1/orders", headers=bad).status_code
            for _ in range(30)} == {401}


def test_past_the_unknown_key_limit_a_request_is_refused_before_routing(make: Make) -> None:
    api = make(rate_limit_failed_auth="1/minute")
    bad = {"Authorization": "Bearer psn_not-a-key"}
    assert api.client.get("/api/v1/orders", headers=bad).status_code == 401
    api.container.key_lookups = _Busy()  # type: ignore[assignment]
    _rate_limited(api.client.get("/api/v1/no-such-route", headers=bad), 60)
    assert api.client.get("/api/v1/no-such-route").status_code == 404  # no key: not shed
