"""Two creates of the same code racing past the "already exists?" check: the unique index
refuses the second INSERT, and the loser gets 409 conflict with a field error, never a 500.

Each racer is held at a barrier just before its INSERT (after both have checked and found
nothing), so the race happens every run; on PostgreSQL the second INSERT waits for the first
to commit and then violates the index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError

from pesanan.app import create_app
from pesanan.auth import users
from pesanan.core.errors import Conflict
from pesanan.db.tx import transact
from tests.factories import Api


@contextmanager
def meet_before(engine: Engine, insert_into: str, racers: int = 2) -> Iterator[None]:
    """Every racer waits at one barrier right before its `INSERT INTO <table>`."""
    barrier = threading.Barrier(racers, timeout=10)
    prefix = f"INSERT INTO {insert_into} "

    def wait(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(prefix):
            barrier.wait()

    event.listen(engine, "before_cursor_execute", wait)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", wait)


def race(fns: list[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(fns)) as pool:
        return list(pool.map(lambda f: f(), fns))


def post_at_once(api: Api, table: str, path: str, bodies: list[dict[str, Any]]
                 ) -> list[tuple[int, dict[str, Any]]]:
    app, headers = create_app(api.container), api.headers()

    def post(body: dict[str, Any]) -> Callable[[], tuple[int, dict[str, Any]]]:
        def go() -> tuple[int, dict[str, Any]]:
            resp = TestClient(app, raise_server_exceptions=False).post(
                f"/api/v1{path}", json=body, headers=headers)
            return resp.status_code, resp.json()
        return go

    with meet_before(api.container.engine, table):
        return sorted(race([post(b) for b in bodies]), key=lambda r: r[0])


def count(api: Api, table: str) -> int:
    with api.container.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def assert_one_conflict(results: list[tuple[int, dict[str, Any]]], field: str) -> None:
    assert [status for status, _ in results] == [201, 409], results
    problem = results[1][1]
    assert problem["type"] == "/problems/conflict"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, "duplicate")]


@pytest.mark.postgres_only
def test_two_racing_creates_of_one_location_code_make_one_location_and_one_409(api: Api
                                                                                ) -> None:
    body = {"code": "WH9", "name": "Warehouse nine", "kind": "warehouse"}
    api.key()
    results = post_at_once(api, "location", "/locations", [body, body])
    assert_one_conflict(results, "code")
    assert count(api, "location") == 1


@pytest.mark.postgres_only
def test_two_racing_creates_of_one_carrier_code_in_two_cases_make_one_carrier(api: Api
                                                                              ) -> None:
    api.key()
    results = post_at_once(api, "carrier", "/carriers", [
        {"code": "JNE", "name": "JNE Express"}, {"code": "jne", "name": "JNE lower"}])
    assert_one_conflict(results, "code")
    assert count(api, "carrier") == 1


@pytest.mark.postgres_only
def test_two_racing_creates_of_one_user_email_make_one_user_and_one_conflict(api: Api
                                                                             ) -> None:
    engine = api.container.engine

    def create() -> str:
        try:
            transact(engine, lambda c: users.create_user(c, "Kasir@Shop.test", "Kasir",
                                                         "clerk", "long-enough-pw"))
        except Conflict as e:
            return f"conflict {[(f.field, f.code) for f in e.errors]}"
        return "created"

    with meet_before(engine, "app_user"):
        outcomes = sorted(race([create, create]))
    assert outcomes == ["conflict [('email', 'duplicate')]", "created"]
    assert count(api, "app_user") == 1


def test_a_carrier_code_differing_only_in_case_is_refused_by_the_database_too(api: Api
                                                                              ) -> None:
    api.ok(api.post("/carriers", {"code": "JNE", "name": "JNE Express"}), 201)
    with pytest.raises(IntegrityError), api.container.engine.begin() as conn:
        conn.execute(text("INSERT INTO carrier (id, code, name, created_at, updated_at) "
                          "VALUES ('x', 'jne', 'JNE lower', '2026-01-01', '2026-01-01')"))
    assert count(api, "carrier") == 1


def put_at_once(api: Api, table: str, path: str, bodies: list[dict[str, Any]]
                ) -> list[int]:
    app, headers = create_app(api.container), api.headers()

    def put(body: dict[str, Any]) -> Callable[[], int]:
        return lambda: TestClient(app, raise_server_exceptions=False).put(
            f"/api/v1{path}", json=body, headers=headers).status_code

    with meet_before(api.container.engine, table):
        return race([put(b) for b in bodies])


@pytest.mark.postgres_only
def test_two_racing_puts_of_one_3pl_endpoint_both_succeed_and_leave_one_endpoint(api: Api
                                                                                 ) -> None:
    # Neither sees an endpoint yet, both insert; the second waits for the first to commit and
    # then updates the row the first wrote (a PUT is "set", so both are answered 200).
    api.key()
    api.location("TPL9", kind="3pl")
    urls = ["https://3pl.example/a", "https://3pl.example/b"]
    statuses = put_at_once(api, "tpl_endpoint", "/3pl/TPL9/endpoint",
                           [{"url": u} for u in urls])
    assert statuses == [200, 200]
    assert count(api, "tpl_endpoint") == 1
    assert api.ok(api.get("/3pl/TPL9/endpoint"))["url"] in urls
