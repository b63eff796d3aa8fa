"""Authentication cannot take the server down: unknown keys never starve the connection pool,
and a spray of random tokens never evicts a valid key from the cache."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from pesanan.app import create_app
from pesanan.auth import service as auth
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests import dbs


@pytest.fixture
def tiny(backend: str, database_urls: dict[str, str]) -> Iterator[Container]:
    """One read connection per process, a 2-second pool wait, no key caching: the smallest
    budget, where one request holding two connections at once deadlocks."""
    c = build(Settings(database_url=database_urls[backend], pool_size=1, pool_overflow=0,
                       pool_timeout=2.0, auth_cache_seconds=0.0, command_slots=0))
    dbs.clean(c.engine)
    yield c
    c.close()


def _new_key(container: Container, role: str = "admin") -> str:
    with container.engine.begin() as conn:
        return auth.create_api_key(conn, f"test-{role}", role)[1]


def test_concurrent_gets_with_unknown_keys_get_401_and_reads_keep_working(
        tiny: Container) -> None:
    good = _new_key(tiny)
    with TestClient(create_app(tiny), raise_server_exceptions=False) as tc:
        def get(token: str) -> int:
            return tc.get("/api/v1/orders",
                          headers={"Authorization": f"Bearer {token}"}).status_code

        tokens = [f"psn_{secrets.token_urlsafe(32)}" for _ in range(8)] + [good] * 4
        with ThreadPoolExecutor(len(tokens)) as pool:
            statuses = list(pool.map(get, tokens))
    assert statuses == [401] * 8 + [200] * 4


def test_a_fresh_key_reads_on_a_one_connection_pool(tiny: Container) -> None:
    good = _new_key(tiny, "clerk")
    with TestClient(create_app(tiny), raise_server_exceptions=False) as tc:
        resp = tc.get("/api/v1/customers", headers={"Authorization": f"Bearer {good}"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"items": [], "next_cursor": None}


def test_a_key_lookup_never_uses_the_request_pool(container: Container) -> None:
    # One request must not hold two pooled connections: the key check has its own engine.
    assert container.keys._engine is container.auth_engine
    assert container.auth_engine is not container.read_engine
    assert container.auth_engine is not container.engine


def test_a_spray_of_random_tokens_does_not_evict_a_valid_key(backend: str,
                                                             database_urls: dict[str, str]
                                                             ) -> None:
    c = build(Settings(database_url=database_urls[backend], auth_cache_seconds=300.0))
    try:
        dbs.clean(c.engine)
        good = _new_key(c)
        actor = c.keys.lookup(good)
        assert actor is not None
        spray = [f"psn_{secrets.token_urlsafe(32)}" for _ in range(10_050)]
        for token in spray:  # past the old cache's 10,000-entry clear-all
            assert c.keys.lookup(token) is None
        # Unknown tokens are remembered in a bounded LRU: the newest kept, the oldest gone.
        assert len(c.keys._unknown) == c.keys.NEGATIVE_SIZE == 10_000
        assert c.keys.cached(spray[-1]) == (True, None)
        assert c.keys.cached(spray[0]) == (False, None)
        queries: Counter[str] = Counter()

        def count(*_args: object) -> None:
            queries["sql"] += 1

        event.listen(c.auth_engine, "before_cursor_execute", count)
        assert c.keys.cached(good) == (True, actor)
        assert c.keys.lookup(good) == actor
        event.remove(c.auth_engine, "before_cursor_execute", count)
        assert queries["sql"] == 0
    finally:
        c.close()
