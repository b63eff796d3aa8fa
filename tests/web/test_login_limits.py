"""Console login under attack: the password check holds no connection and no transaction, runs
at most N at once, logins are rate-limited per account and per address (429 + Retry-After with a
readable message), and an account locks after repeated failures, in the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from pesanan.app import create_app
from pesanan.auth.models import app_user
from pesanan.bootstrap import Container, build
from pesanan.cli import app as cli_app
from pesanan.config import Settings, get_settings
from tests import dbs
from tests.web.helpers import PASSWORD, csrf_of, make_user

# No login rate limits unless a test sets them: each test looks at one mechanism.
OPEN = {"rate_limit_login_account": "", "rate_limit_login_address": ""}
Make = Callable[..., tuple[Container, TestClient]]


@pytest.fixture
def make(backend: str, database_urls: dict[str, str]) -> Iterator[Make]:
    made: list[tuple[Container, TestClient]] = []

    def factory(**settings: Any) -> tuple[Container, TestClient]:
        c = build(Settings(database_url=database_urls[backend], **{**OPEN, **settings}))
        if not made:
            dbs.clean(c.engine)
        # Entered: one event loop for all requests, as in a server process (the gates are
        # per loop).
        tc = TestClient(create_app(c), raise_server_exceptions=False).__enter__()
        made.append((c, tc))
        return c, tc

    yield factory
    for c, tc in made:
        tc.__exit__(None, None, None)
        c.close()


def _login(tc: TestClient, email: str, password: str) -> Response:
    token = csrf_of(tc.get("/login").text)
    return tc.post("/login", data={"email": email, "password": password, "csrf_token": token},
                   follow_redirects=False)


def _user_row(c: Container, email: str) -> Any:
    with c.engine.connect() as conn:
        return conn.execute(select(app_user.c.failed_logins, app_user.c.locked_until)
                            .where(app_user.c.email == email)).one()


def _refused_429(resp: Response, message: str, window: int) -> None:
    assert resp.status_code == 429, resp.text
    assert 1 <= int(resp.headers["retry-after"]) <= window
    assert message in resp.text


def test_the_password_is_checked_holding_no_connection(make: Make,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    c, tc = make()
    email = make_user(c, "admin")
    held: list[int] = []
    verify = PasswordHasher.verify

    def spying(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        held.append(c.engine.pool.checkedout() + c.read_engine.pool.checkedout())  # type: ignore[attr-defined]
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spying)
    assert _login(tc, email, "not the password").status_code == 401
    assert _login(tc, email, PASSWORD).status_code == 303
    assert held == [0, 0]


def test_at_most_the_configured_password_checks_run_at_once(
        make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    c, tc = make(login_verify_slots=2)
    email = make_user(c, "admin")
    token = csrf_of(tc.get("/login").text)
    lock, running, peak = threading.Lock(), [0], [0]
    verify = PasswordHasher.verify

    def slow(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.3)
            return verify(self, hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(PasswordHasher, "verify", slow)

    def attempt(_: int) -> int:
        return tc.post("/login", data={"email": email, "password": "wrong password",
                                       "csrf_token": token}).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(attempt, range(6))) == [401] * 6
    assert peak[0] == 2


def test_an_account_locks_after_ten_failures_in_a_row_in_every_process(make: Make) -> None:
    c, tc = make()
    email = make_user(c, "clerk")
    assert [_login(tc, email, f"wrong {n}").status_code for n in range(10)] == [401] * 10
    row = _user_row(c, email)
    assert row.failed_logins == 0  # the count starts again once the lock is set
    assert row.locked_until is not None
    _refused_429(_login(tc, email, PASSWORD), "this account is locked", 900)
    # Another process (its own container, its own memory) reads the same lock.
    _, other = make()
    resp = _login(other, email, PASSWORD)
    _refused_429(resp, "Too many failed logins: this account is locked. Try again in 15 minutes.",
                 900)
    assert other.get("/", follow_redirects=False).status_code == 303  # not logged in


def test_a_password_reset_lifts_the_lock(make: Make) -> None:
    c, tc = make(login_lockout_failures=3)
    email = make_user(c, "clerk")
    for n in range(3):
        _login(tc, email, f"wrong {n}")
    assert _login(tc, email, PASSWORD).status_code == 429
    make_user(c, "clerk")  # sets the password again
    assert _login(tc, email, PASSWORD).status_code == 303



def test_an_operator_lifts_a_lock_from_the_command_line(make: Make,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    c, tc = make(login_lockout_failures=3)
    email = make_user(c, "clerk")
    for n in range(3):
        _login(tc, email, f"wrong {n}")
    assert _login(tc, email, PASSWORD).status_code == 429
    monkeypatch.setenv("PESANAN_DATABASE_URL", c.settings.database_url)
    get_settings.cache_clear()
    try:
        unknown = CliRunner().invoke(cli_app, ["user", "unlock", "--email", "nobody@shop.test"])
        done = CliRunner().invoke(cli_app, ["user", "unlock", "--email", email.upper()])
    finally:
        get_settings.cache_clear()
    assert unknown.exit_code == 1
    assert "no user with email nobody@shop.test" in unknown.output
    assert done.exit_code == 0, done.output
    assert _user_row(c, email).locked_until is None
    assert _login(tc, email, PASSWORD).status_code == 303  # the same password, no reset

def test_a_success_resets_the_failure_count(make: Make) -> None:
    c, tc = make()
    email = make_user(c, "admin")
    for n in range(3):
        assert _login(tc, email, f"wrong {n}").status_code == 401
    assert _user_row(c, email).failed_logins == 3
    assert _login(tc, email, PASSWORD).status_code == 303
    assert tuple(_user_row(c, email)) == (0, None)


def test_logins_per_account_are_rate_limited_with_a_readable_message(make: Make) -> None:
    c, tc = make(rate_limit_login_account="3/minute")
    email = make_user(c, "admin")
    other = make_user(c, "clerk")
    assert [_login(tc, email, "wrong password").status_code for _ in range(3)] == [401] * 3
    resp = _login(tc, email, PASSWORD)  # even the right password waits its turn
    _refused_429(resp, "Too many login attempts for this account. Try again in", 60)
    assert tc.get("/", follow_redirects=False).status_code == 303
    assert _user_row(c, email).failed_logins == 3  # a refused attempt is not checked
    assert _login(tc, other, PASSWORD).status_code == 303


def test_logins_per_address_are_rate_limited(make: Make) -> None:
    c, tc = make(rate_limit_login_address="3/minute")
    emails = [make_user(c, "admin", f"user{n}@example.com") for n in range(4)]
    statuses = [_login(tc, e, "wrong password").status_code for e in emails]
    assert statuses == [401, 401, 401, 429]
    _refused_429(_login(tc, emails[0], PASSWORD), "from this address", 60)


def test_a_hash_with_the_old_parameters_is_rehashed_at_the_next_login(make: Make) -> None:
    c, tc = make()
    email = make_user(c, "admin")
    with c.engine.begin() as conn:  # as stored before auth.passwords: argon2-cffi's defaults
        conn.execute(app_user.update().where(app_user.c.email == email)
                     .values(password_hash=PasswordHasher().hash(PASSWORD)))
    assert _login(tc, email, PASSWORD).status_code == 303
    with c.engine.connect() as conn:
        stored = conn.execute(select(app_user.c.password_hash)
                              .where(app_user.c.email == email)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    _, again = make()
    assert _login(again, email, PASSWORD).status_code == 303


def test_past_the_address_limit_a_login_is_refused_before_its_form_is_read(make: Make) -> None:
    c, tc = make(rate_limit_login_address="2/minute")
    email = make_user(c, "admin")
    assert [_login(tc, email, "wrong password").status_code for _ in range(2)] == [401, 401]
    resp = tc.post("/login", data={"email": email, "password": PASSWORD})  # no CSRF token
    _refused_429(resp, "Too many login attempts from this address. Try again in", 60)
    assert resp.headers["content-type"].startswith("text/html")
