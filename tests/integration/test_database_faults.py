"""A database fault (down, unreachable, connections killed) answers 503 problem+json with
Retry-After, and the server keeps serving on the same keep-alive connection."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, text

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from tests.dbs import row_counts
from tests.factories import Api

KEY = {"Authorization": "Bearer psn_not-looked-up-the-database-is-down"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on leaving: nothing listens there


def _broken_url(backend: str, tmp: str) -> str:
    if backend == "postgresql":
        return f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/pesanan?connect_timeout=2"
    return f"sqlite:///{tmp}/no-such-directory/pesanan.db"  # cannot be opened


@pytest.fixture
def broken(backend: str, tmp_path: object) -> Iterator[Container]:
    c = build(Settings(database_url=_broken_url(backend, str(tmp_path)), pool_timeout=2,
                       auth_cache_seconds=0, secret_key="test-secret"))
    yield c
    c.close()


@contextmanager
def live(app: FastAPI) -> Iterator[int]:
    """uvicorn serving `app` on 127.0.0.1 (a port the OS picks), in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _problem(resp: http.client.HTTPResponse) -> dict[str, object]:
    assert resp.getheader("content-type") == "application/problem+json"
    body: dict[str, object] = orjson.loads(resp.read())
    return body


def test_a_database_that_is_down_answers_503_with_retry_after(
        backend: str, broken: Container) -> None:
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        read = client.get("/api/v1/orders", headers=KEY)
        write = client.post("/api/v1/customers", headers=KEY,
                            json={"name": "Ada", "email": "ada@example.com", "addresses": []})
    for resp in (read, write):
        assert resp.status_code == 503
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["retry-after"] == "2"
        assert resp.json()["type"] == "/problems/service-unavailable"
        assert resp.json()["status"] == 503


def test_after_a_database_fault_the_same_keep_alive_connection_serves_the_next_request(
        backend: str, broken: Container) -> None:
    with live(create_app(broken)) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", "/api/v1/orders", headers=KEY)
        first = conn.getresponse()
        problem = _problem(first)
        sock = conn.sock
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        second.read()
        conn.close()
    assert (first.status, problem["type"]) == (503, "/problems/service-unavailable")
    assert first.getheader("connection") != "close"
    assert second.status == 200
    assert sock is not None and conn.sock is None  # closed by us above, not by the server
    assert sock.fileno() == -1


@pytest.mark.postgres_only
def test_killed_database_connections_answer_503_then_reconnect_on_the_same_connection(
        backend: str, api: Api, database_urls: dict[str, str]) -> None:
    api.customer("Ada")
    url = database_urls["postgresql"] + "?application_name=pesanan-fault-test"
    c = build(Settings(database_url=url, auth_cache_seconds=0, secret_key="test-secret"))
    headers = api.headers("admin")
    try:
        with live(create_app(c)) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("GET", "/api/v1/customers", headers=headers)
            warm = conn.getresponse()
            warm.read()
            sock = conn.sock
            with api.container.engine.connect() as admin:
                killed = admin.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'pesanan-fault-test'")).scalar_one()
            statuses = []
            for _ in range(4):  # the key lookup's pool, then the read pool, meet a dead one
                conn.request("GET", "/api/v1/customers", headers=headers)
                resp = conn.getresponse()
                if resp.status == 503:
                    assert _problem(resp)["type"] == "/problems/service-unavailable"
                    assert resp.getheader("retry-after") == "2"
                else:
                    assert len(orjson.loads(resp.read())["items"]) == 1
                statuses.append(resp.status)
                assert conn.sock is sock  # the server kept the connection open
            conn.close()
    finally:
        c.close()
    assert warm.status == 200
    assert killed >= 2
    assert statuses[0] == 503
    assert statuses[-1] == 200
    assert set(statuses) == {503, 200}


def test_a_pool_with_no_free_connection_answers_503_and_nothing_is_written(
        backend: str, api: Api, database_urls: dict[str, str]) -> None:
    api.key("admin")
    c = build(Settings(database_url=database_urls[backend], pool_size=1, pool_overflow=0,
                       pool_timeout=0.2, auth_cache_seconds=0, secret_key="test-secret"))
    before = row_counts(api.container.engine)
    try:
        with c.engine.connect(), TestClient(create_app(c)) as client:  # the only connection
            resp = client.post("/api/v1/customers", headers=api.headers("admin"),
                               json={"name": "Ada", "email": "ada@example.com",
                                     "addresses": []})
    finally:
        c.close()
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "2"
    assert resp.json()["type"] == "/problems/service-unavailable"
    assert row_counts(api.container.engine) == before


@pytest.mark.postgres_only
def test_a_connection_killed_after_the_query_leaves_the_answer_and_the_keep_alive_intact(
        backend: str, api: Api, database_urls: dict[str, str]) -> None:
    api.customer("Ada")
    url = database_urls["postgresql"] + "?application_name=pesanan-fault-test"
    c = build(Settings(database_url=url, auth_cache_seconds=0, secret_key="test-secret"))
    kill_next = threading.Event()

    @event.listens_for(c.read_engine, "rollback")
    def _killed_before_rollback(conn: Connection) -> None:
        # The read is answered; the database drops the connection before it is closed.
        if kill_next.is_set():
            kill_next.clear()
            pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            with api.container.engine.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                admin.commit()
                # Each look in a transaction of its own: a backend reads pg_stat_activity once
                # per transaction, so asking again in the same one never saw the pid go (the
                # loop spun on after the test, its statements counted by later tests).
                while admin.execute(text("SELECT count(*) FROM pg_stat_activity "
                                         "WHERE pid = :p"), {"p": pid}).scalar_one():
                    admin.rollback()
                    time.sleep(0.01)

    headers = api.headers("admin")
    try:
        with live(create_app(c)) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("GET", "/api/v1/customers", headers=headers)
            conn.getresponse().read()
            sock = conn.sock
            kill_next.set()
            conn.request("GET", "/api/v1/customers", headers=headers)
            answered = conn.getresponse()
            body = orjson.loads(answered.read())
            conn.request("GET", "/api/v1/customers", headers=headers)
            after = conn.getresponse()
            after.read()
            same = conn.sock is sock
            conn.close()
    finally:
        c.close()
    assert not kill_next.is_set()  # the connection was killed
    assert (answered.status, len(body["items"])) == (200, 1)
    assert after.status == 200
    assert same  # the server kept the connection open
