"""Browser tests: the console served by uvicorn on a free local port, driven by Debian's
Chromium through Playwright (sync API). Like the rest of the suite, every test runs once on
SQLite and once on PostgreSQL (it takes `container`, which takes `backend`).

The server for a backend is started once per session (in a background thread) and reused:
`container` empties that backend's database before each test, and each test gets a fresh
browser context (no cookies carried over).

Every browser test lives in this folder: importing these fixtures into another folder's
conftest makes a second session-scoped Playwright, started while this one still runs, and the
sync API refuses to start inside the first one's loop (CI saw exactly that)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import event

from pesanan.app import create_app
from pesanan.bootstrap import Container
from pesanan.events import relay
from tests.web.helpers import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
LAPTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# Long enough for a server round trip plus the dashboard's 1 s outbox poll, short enough
# that a broken page fails the test quickly.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


class LiveServer:
    """uvicorn serving `create_app(container)` from a daemon thread on an already-bound
    socket (binding port 0 first means no race for a "free" port)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.relaying = threading.Event()
        self.stamping = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(container), log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="live-server")

    def _relay(self) -> None:
        # The worker's event relay beside the server, as `make run` has it: the dashboard's
        # stream announces stamped events only. Only while a browser test runs (`relaying`):
        # later tests compare whole tables before and after, and a stamp would show.
        while not self.server.should_exit:
            with self.stamping:
                if self.relaying.is_set():
                    relay.stamp_pending(self.container.engine)
            time.sleep(0.1)

    @contextmanager
    def relay_on(self) -> Iterator[None]:
        self.relaying.set()
        try:
            yield
        finally:
            self.relaying.clear()
            with self.stamping:  # a stamp in progress ends before the test does
                pass

    def start(self) -> LiveServer:
        self.thread.start()
        threading.Thread(target=self._relay, daemon=True, name="live-relay").start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        assert httpx.get(f"{self.url}/healthz").status_code == 200
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="session")
def live_servers() -> Iterator[dict[int, LiveServer]]:
    servers: dict[int, LiveServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def live_url(container: Container, live_servers: dict[int, LiveServer]) -> Iterator[str]:
    """The base URL of a server for this test's backend (started on first use), with the
    event relay running for the test."""
    key = id(container)
    if key not in live_servers:
        live_servers[key] = LiveServer(container).start()
    with live_servers[key].relay_on():
        yield live_servers[key].url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def context(browser: Browser, live_url: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=live_url, viewport=LAPTOP)  # type: ignore[arg-type]
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def shot(backend: str) -> Shooter:
    return Shooter(backend)


class Shooter:
    """Saves `test-output/screenshots/<backend>-<name>.png` (full page)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{self.backend}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def stream_started(container: Container) -> Iterator[Callable[[Page], None]]:
    """Yields `wait(page)`, which returns once an open dashboard's /stream has read the outbox
    position it compares against. An order committed after that is sure to be announced; one
    committed before would be part of the starting point and never announced (a lost race)."""
    reads: list[str] = []

    def on_execute(*args: Any) -> None:
        if "outbox" in args[2] and "max(" in args[2].lower():
            reads.append(args[2])

    def wait(page: Page) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not reads:
            assert time.monotonic() < deadline, "the dashboard's event stream never started"
            page.wait_for_timeout(20)

    event.listen(container.read_engine, "after_cursor_execute", on_execute)
    try:
        yield wait
    finally:
        event.remove(container.read_engine, "after_cursor_execute", on_execute)


def log_in(page: Page, container: Container, role: str = "admin") -> str:
    """Log in through the login form as a fresh user of `role`; returns the email."""
    email = make_user(container, role)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: not url.endswith("/login") and "/login?" not in url)
    return email
