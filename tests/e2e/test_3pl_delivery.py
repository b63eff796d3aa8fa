"""The 3PL dispatch on the one delivery machinery (delivery/machine.py, as webhooks): every
attempt is logged with its status, latency and answer, retries follow the webhooks' backoff
schedule, a batch goes out in parallel, two PostgreSQL senders never send one dispatch twice,
and the worker's task sends it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.delivery import backoff
from pesanan.fulfillment import dispatch
from pesanan.outbound import Client, Policy
from pesanan.worker.tasks import tasks
from tests import outbound_servers as peers
from tests.factories import Api
from tests.web.helpers import login

SECRET = "s3cret-shared-with-the-3pl-0123456789"
LOOPBACK = Policy.parse("127.0.0.1")


@pytest.fixture(autouse=True)
def loopback_allowed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.container.settings, "outbound_allow", "127.0.0.1")


def answering(*answers: tuple[int, bytes], delay: float = 0.0
              ) -> Callable[[peers.Peer, socket.socket], None]:
    """Answers in turn (then 200 "ok"), each after `delay` seconds."""
    queue = list(answers)

    def answer(_: peers.Peer, conn: socket.socket) -> None:
        status, body = queue.pop(0) if queue else (200, b"ok")
        time.sleep(delay)
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
    return answer


@pytest.fixture
def product(api: Api) -> dict[str, Any]:
    return api.product("TEE")


def _three_pl(api: Api, code: str, url: str, stock: int = 10) -> dict[str, Any]:
    loc = api.location(code, kind="3pl")
    api.stock("TEE", loc["id"], stock)
    resp = api.client.put(f"/api/v1/3pl/{code}/endpoint", json={"url": url, "secret": SECRET},
                          headers=api.headers())
    assert resp.status_code == 200, resp.text
    return loc


def _send(api: Api, client: Client | None = None, **kw: Any) -> dict[str, int]:
    return dispatch.send_pending(api.container.engine, crypto.box_for(api.container.settings),
                                 client or Client(LOOPBACK), **kw)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_every_attempt_is_logged_with_its_status_latency_and_answer(
        api: Api, product: dict[str, Any]) -> None:
    peer = peers.Peer(answering((503, b"warehouse busy, try later")))
    try:
        _three_pl(api, "TPL1", peer.url)
        api.order(api.customer()["id"], [("TEE", 1)])
        t0 = now()
        assert _send(api, at=t0) == {"sent": 0, "retry": 1, "failed": 0}
        assert _send(api, at=t0 + timedelta(seconds=6)) == {"sent": 1, "retry": 0, "failed": 0}
    finally:
        peer.close()
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    attempts = api.ok(api.get(f"/3pl/dispatches/{d['id']}/attempts"))["items"]
    assert [(a["outcome"], a["status"], a["error"], a["response_excerpt"]) for a in attempts] == [
        ("retry", 503, "HTTP 503", "warehouse busy, try later"), ("sent", 200, None, "ok")]
    assert [_at(a["attempted_at"]) for a in attempts] == [
        _at(d["last_attempt_at"]) - timedelta(seconds=6), _at(d["last_attempt_at"])]
    assert all(isinstance(a["latency_ms"], int) and a["latency_ms"] >= 0 for a in attempts)
    # The answer and the error can map the internal network: admins only, as on the dispatch.
    hidden = api.ok(api.get(f"/3pl/dispatches/{d['id']}/attempts", role="warehouse"))["items"]
    assert [(a["outcome"], a["status"], a["error"], a["response_excerpt"]) for a in hidden] == [
        ("retry", None, "delivery failed", None), ("sent", None, None, None)]
    assert api.get("/3pl/dispatches/no-such-dispatch/attempts").status_code == 404


def test_retries_follow_the_webhooks_schedule_then_give_up(api: Api,
                                                           product: dict[str, Any]) -> None:
    _three_pl(api, "TPL1", "http://127.0.0.1:9/nobody-listens")
    api.order(api.customer()["id"], [("TEE", 1)])
    at = now()
    waits = []
    for _ in range(backoff.MAX_ATTEMPTS - 1):
        assert _send(api, at=at) == {"sent": 0, "retry": 1, "failed": 0}
        [d] = api.ok(api.get("/3pl/dispatches"))["items"]
        waits.append((_at(d["next_attempt_at"]) - at).total_seconds())
        at = _at(d["next_attempt_at"])
    for wait, planned in zip(waits, backoff.DELAYS_SECONDS, strict=True):
        # Jittered by at most 15 %; the API shows whole seconds.
        assert planned * (1 - backoff.JITTER) - 1 <= wait <= planned * (1 + backoff.JITTER) + 1
    assert _send(api, at=at) == {"sent": 0, "retry": 0, "failed": 1}
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    assert (d["status"], d["attempts"]) == ("failed", backoff.MAX_ATTEMPTS)
    assert len(api.ok(api.get(f"/3pl/dispatches/{d['id']}/attempts"))["items"]) == 11


def test_a_batch_is_sent_in_parallel(api: Api, product: dict[str, Any]) -> None:
    """Two 3PLs each taking 1.5 s to answer cost one wait, not two: the second request
    arrives while the first is still waiting for its answer (sent one after the other, it
    could not arrive before the first answer)."""
    arrived: list[float] = []
    slow_answer = answering(delay=1.5)

    def answer(peer: peers.Peer, conn: socket.socket) -> None:
        arrived.append(time.monotonic())
        slow_answer(peer, conn)

    slow = [peers.Peer(answer) for _ in range(2)]
    try:
        _three_pl(api, "TPL1", slow[0].url)
        _three_pl(api, "TPL2", slow[1].url)
        api.order(api.customer()["id"], [("TEE", 11)])  # 10 at TPL1, then 1 at TPL2
        assert _send(api) == {"sent": 2, "retry": 0, "failed": 0}
    finally:
        for p in slow:
            p.close()
    assert len(arrived) == 2
    assert max(arrived) - min(arrived) < 1.5  # both in flight at once
    assert [len(p.requests) for p in slow] == [1, 1]


def test_the_worker_task_sends_what_is_due(api: Api, product: dict[str, Any]) -> None:
    peer = peers.Peer(answering())
    try:
        _three_pl(api, "TPL1", peer.url)
        api.order(api.customer()["id"], [("TEE", 1)])
        [task] = [t for t in tasks(api.container) if t.name == "tpl.dispatch"]
        assert task.run(api.container) == 1
        assert task.run(api.container) == 0
    finally:
        peer.close()
    assert len(peer.requests) == 1
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    assert (d["status"], d["attempts"], d["last_status"]) == ("sent", 1, 200)


@pytest.mark.postgres_only
def test_two_senders_at_once_never_send_one_dispatch_twice(
        api: Api, backend: str, product: dict[str, Any]) -> None:
    def answer(_: peers.Peer, conn: socket.socket) -> None:
        time.sleep(0.05)  # long enough for the other sender to be claiming meanwhile
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    peer = peers.Peer(answer)
    try:
        _three_pl(api, "TPL1", peer.url, stock=40)
        customer = api.customer()["id"]
        for _ in range(20):
            api.order(customer, [("TEE", 1)])
        start = threading.Barrier(2)
        tallies: list[dict[str, int]] = []

        def sender() -> None:
            start.wait()
            tallies.append(_send(api))
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        peer.close()
    seen = [peers.header_lines(r)["x-pesanan-dispatch-id"] for r in peer.requests]
    assert len(tallies) == 2 and all(t["sent"] > 0 for t in tallies)  # both took a share
    assert sum(t["sent"] for t in tallies) == 20
    assert len(seen) == 20 and len(set(seen)) == 20
    items = api.ok(api.get("/3pl/dispatches"))["items"]
    assert sorted(d["id"] for d in items) == sorted(seen)
    assert {(d["status"], d["attempts"]) for d in items} == {("sent", 1)}


def test_the_fulfilment_page_shows_every_attempt_and_the_answer_to_admins_only(
        api: Api, client: TestClient, container: Container, product: dict[str, Any]) -> None:
    peer = peers.Peer(answering((503, b"warehouse busy, try later")))
    try:
        _three_pl(api, "TPL1", peer.url)
        order = api.order(api.customer()["id"], [("TEE", 1)])
        assert _send(api) == {"sent": 0, "retry": 1, "failed": 0}
    finally:
        peer.close()
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]

    def attempts_shown(role: str) -> str:
        login(client, container, role)
        page = client.get(f"/fulfilment/{fo['id']}")
        assert page.status_code == 200
        return page.text.split('class="dispatch-attempts"')[1].split("</ul>")[0]
    admin = attempts_shown("admin")
    assert " 503 retry " in admin and ": HTTP 503" in admin
    assert "warehouse busy, try later" in admin
    warehouse = attempts_shown("warehouse")
    assert " — retry " in warehouse and ": delivery failed" in warehouse
    assert "HTTP 503" not in warehouse
    assert "warehouse busy" not in warehouse


def _kinds(api: Api, order_id: str) -> list[tuple[str, str]]:
    [fo] = api.ok(api.get(f"/orders/{order_id}/fulfilment-orders"))["items"]
    return sorted((x["kind"], x["status"]) for x in api.ok(api.get(
        "/3pl/dispatches", fulfilment_order_id=fo["id"]))["items"])


def test_withdrawing_an_order_whose_release_may_have_reached_the_3pl_tells_it(
        api: Api, product: dict[str, Any]) -> None:
    """A release being sent right now, or tried without a clear answer, may be at the 3PL: a
    withdrawal queues a cancel for it (before, it was marked cancelled and the 3PL never heard
    of the withdrawal). A release never tried and not in flight is just not sent."""
    _three_pl(api, "TPL1", "http://127.0.0.1:9/nobody-listens", stock=10)
    customer = api.customer()["id"]
    box = crypto.box_for(api.container.settings)

    in_flight = api.order(customer, [("TEE", 1)])
    [item] = dispatch.claim(api.container.engine, now(), timedelta(seconds=30), box)
    api.ok(api.post(f"/orders/{in_flight['id']}/cancel", {"reason": "changed mind"}))
    assert _kinds(api, in_flight["id"]) == [("cancel", "pending"), ("release", "cancelled")]
    with api.container.engine.begin() as conn:  # the late answer of that send is fenced off
        assert dispatch.record(conn, item, dispatch.Outcome(200, None, "ok", 5), now()) == "lost"

    tried = api.order(customer, [("TEE", 1)])
    assert _send(api)["retry"] >= 1  # refused: pending again with one attempt
    api.ok(api.post(f"/orders/{tried['id']}/cancel", {"reason": "changed mind"}))
    assert ("cancel", "pending") in _kinds(api, tried["id"])

    never = api.order(customer, [("TEE", 1)])
    api.ok(api.post(f"/orders/{never['id']}/cancel", {"reason": "changed mind"}))
    assert _kinds(api, never["id"]) == [("release", "cancelled")]
