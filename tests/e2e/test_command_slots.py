"""Every command takes the same fair queue: with N command slots, at most N commands run at
once whatever their endpoint (async order placement, plain `def` API routes, console forms),
and the ones waiting are served in the order they arrived."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Connection, Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from pesanan.api import commands
from pesanan.app import create_app
from pesanan.db import tx
from pesanan.web import deps as web_deps
from tests.factories import Api
from tests.web.helpers import login

T = TypeVar("T")
_name: contextvars.ContextVar[str] = contextvars.ContextVar("command_name", default="?")


class Gate:
    """Stands in for `transact`: records which command started and how many run at once,
    and holds each command until the test lets it finish."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.finish: dict[str, threading.Event] = {}

    def transact(self, engine: Engine, fn: Callable[[Connection], T],
                 attempts: int = tx.MAX_ATTEMPTS) -> T:
        name = _name.get()
        with self.lock:
            self.started.append(name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            finish = self.finish.setdefault(name, threading.Event())
        try:
            assert finish.wait(20), f"{name} was never let through"
            return tx.transact(engine, fn, attempts)
        finally:
            with self.lock:
                self.running -= 1


def named(app: ASGIApp) -> ASGIApp:
    """Tags each request with its X-Test-Name header, so the gate knows whose command it is."""
    async def tagged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            _name.set(headers.get(b"x-test-name", b"?").decode())
        await app(scope, receive, send)

    return tagged


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


def test_two_slots_run_two_commands_at_once_across_endpoints_and_serve_waiters_in_order(
        backend: str, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.product("TEE-BLK-M")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 50)
    customer = api.customer()
    csrf = login(api.client, api.container, "admin")
    container = dataclasses.replace(
        api.container, settings=api.container.settings.model_copy(update={"command_slots": 2}))
    app = create_app(container)
    gate = Gate()
    monkeypatch.setattr(commands, "transact", gate.transact)
    monkeypatch.setattr(web_deps, "transact", gate.transact)
    key = {"Authorization": f"Bearer {api.key('admin')}"}
    # (name, path, JSON body or console form): async, `def` API routes and a console form.
    sends: list[tuple[str, str, dict[str, Any]]] = [
        ("customer", "/api/v1/customers", {"name": "Budi", "email": "budi@example.com",
                                          "addresses": []}),
        ("product", "/api/v1/products", {"sku": "CAP-RED", "name": "Cap", "price": "5.00",
                                        "currency": "USD", "tax_rate": "0.10",
                                        "standard_cost": "2.00"}),
        ("order", "/api/v1/orders", api.order_body(customer["id"], [("TEE-BLK-M", 2)])),
        ("console", "/inventory/adjustments", {"sku": "TEE-BLK-M", "location_id": wh["id"],
                                               "quantity": "3", "reason": "found"}),
        ("location", "/api/v1/locations", {"code": "WH2", "name": "Second", "kind": "warehouse"}),
        ("adjust", "/api/v1/inventory/adjustments", {"sku": "TEE-BLK-M", "location_id": wh["id"],
                                                     "quantity": 5, "reason": "count"}),
    ]

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=named(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     cookies=api.client.cookies) as client:
            def send(name: str, path: str, body: dict[str, Any]) -> asyncio.Task[httpx.Response]:
                headers = {**key, "X-Test-Name": name}
                if path.startswith("/api/"):
                    call: Coroutine[Any, Any, httpx.Response] = client.post(
                        path, json=body, headers=headers)
                else:
                    call = client.post(path, data=body, headers={**headers, "X-CSRF-Token": csrf})
                return asyncio.create_task(call)

            def queued() -> int:
                return sum(s.waiting for s in app.state.command_slots.values())

            tasks = []
            for i, (name, path, body) in enumerate(sends):
                tasks.append(send(name, path, body))
                if i < 2:  # the first two take both slots
                    await until(lambda i=i: len(gate.started) == i + 1, f"{name} to start")
                else:  # the rest queue, each behind the one sent before it
                    await until(lambda i=i: queued() == i - 1 or len(gate.started) > 2,
                                f"{name} to queue")
                    assert gate.started == ["customer", "product"]
            for i, (name, _, _) in enumerate(sends):
                gate.finish.setdefault(name, threading.Event()).set()
                if i + 2 < len(sends):  # its slot goes to the longest waiter
                    await until(lambda i=i: len(gate.started) == i + 3,
                                f"{sends[i + 2][0]} to start")
            return [(await t).status_code for t in tasks]

    # In a thread of its own: the browser tests (Playwright's sync API) leave an event loop
    # running on the main thread for the session, and asyncio.run refuses to nest in one.
    with ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(asyncio.run, scenario()).result()

    assert gate.started == ["customer", "product", "order", "console", "location", "adjust"]
    assert gate.most_at_once == 2
    assert statuses == [201, 201, 201, 303, 201, 201]
    assert api.level("TEE-BLK-M", wh["id"])["on_hand"] == 58
