"""Fixtures: every integration/e2e test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from pesanan.orders import holds
from tests import dbs
from tests.factories import Api
from tests.memory import forget_apps


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    """Each test's app is freed after it (tests/memory.py)."""
    yield
    forget_apps()


@pytest.fixture(scope="session")
def database_urls() -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    pg_name = f"pesanan_test_{os.getpid()}"
    for backend in dbs.backends():
        if backend == "postgresql":
            urls[backend] = dbs.create_postgres(pg_name)
        elif backend == "sqlite":
            urls[backend] = dbs.create_sqlite(_worker())
        else:
            raise ValueError(f"unknown test backend {backend}")
    yield urls
    if "postgresql" in urls:
        dbs.drop_postgres(pg_name)


@pytest.fixture(scope="session")
def containers(database_urls: dict[str, str]) -> Iterator[dict[str, Container]]:
    # command_slots=0: as many commands at once as connections, so race tests really race.
    # No per-key API limit: tests drive one key far faster than an integrator (the limit has
    # its own tests, tests/e2e/test_rate_limits.py).
    made = {b: build(Settings(database_url=u, pool_size=8, pool_overflow=8, command_slots=0,
                              auth_cache_seconds=0.0, rate_limit_api=""))
            for b, u in database_urls.items()}
    yield made
    for c in made.values():
        c.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        wanted = dbs.backends()
        if metafunc.definition.get_closest_marker("postgres_only"):
            wanted = [b for b in wanted if b == "postgresql"]
        metafunc.parametrize("backend", wanted, scope="function")


@pytest.fixture
def container(backend: str, containers: dict[str, Container]) -> Container:
    c = containers[backend]
    dbs.clean(c.engine)
    c.keys.clear()
    c.throttle.reset()  # rate-limit counts start afresh, like the database
    holds.forget_rules()  # hold rules are cached per process: the emptied table has none
    return c


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as tc:
        yield tc


@pytest.fixture
def api(client: TestClient, container: Container) -> Api:
    return Api(client, container)
