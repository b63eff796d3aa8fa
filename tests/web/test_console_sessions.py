"""web/app.py's ConsoleSessions: the console's pages get the signed session, the API (which
authenticates by key) goes past the session middleware, as cheap as a request can be."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pesanan.web.app import ConsoleSessions


def _seen(path: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["session"] = "session" in scope
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b"",
             "root_path": "", "scheme": "http", "server": ("t", 80)}
    # In a thread of its own: the browser tests leave an event loop running on this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ConsoleSessions(app, secret_key="k" * 32)(scope, receive,
                                                                            send)).result()
    return seen


def test_pages_get_the_session_and_the_api_does_not() -> None:
    assert _seen("/orders") == {"session": True, "status": 204}
    assert _seen("/") == {"session": True, "status": 204}
    assert _seen("/api/v1/orders") == {"session": False, "status": 204}
    assert _seen("/apiary") == {"session": True, "status": 204}  # only the API's own prefix
