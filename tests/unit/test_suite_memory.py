"""The suite frees each test's app (tests/memory.py): without it the test process kept every app
it built, ~7.5 MB a test."""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import build
from pesanan.config import Settings
from tests import dbs
from tests.memory import CACHES, forget_apps


def test_an_app_that_served_requests_is_freed_once_the_caches_are_forgotten() -> None:
    url = dbs.create_sqlite("memory")
    container = build(Settings(database_url=url))
    try:
        apps = []
        for _ in range(3):
            app = create_app(container)
            with TestClient(app) as client:
                assert client.get("/healthz").status_code == 200
                assert client.get("/openapi.json").status_code == 200
            apps.append(weakref.ref(app))
            del app, client
        assert forget_apps() == len(CACHES)
        gc.collect()
        assert [ref() for ref in apps] == [None, None, None]
    finally:
        container.close()
