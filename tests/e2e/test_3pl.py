"""A 3PL location: its fulfilment orders leave by a signed outbound request (an outbox sent
after commit, retried with backoff) and come back through a signed callback (401 when the
signature is bad, missing or stale; a replayed event id changes nothing)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.audit import checks
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.fulfillment import dispatch, signing
from pesanan.outbound import Client, Policy
from tests.dbs import snapshot
from tests.factories import Api

SECRET = "s3cret-shared-with-the-3pl-0123456789"


class Receiver:
    """A tiny HTTP server on 127.0.0.1 (random port) recording what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def loopback_allowed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The receivers here listen on 127.0.0.1, which only an explicit allow-list admits."""
    monkeypatch.setattr(api.container.settings, "outbound_allow", "127.0.0.1")


def _send(api: Api, **kw: Any) -> dict[str, int]:
    return dispatch.send_pending(api.container.engine, crypto.box_for(api.container.settings),
                                 Client(Policy.parse("127.0.0.1")), **kw)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _three_pl(api: Api, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE", price="12.50", standard_cost="6.00")
    loc = api.location("TPL1", kind="3pl")
    api.stock("TEE", loc["id"], 10)
    resp = api.client.put("/api/v1/3pl/TPL1/endpoint", json={"url": url, "secret": SECRET},
                          headers=api.headers())
    assert resp.status_code == 200, resp.text
    assert resp.json()["secret"] == SECRET
    return loc, api.customer()


def _fo_of(api: Api, order_id: str) -> dict[str, Any]:
    [fo] = api.ok(api.get(f"/orders/{order_id}/fulfilment-orders"))["items"]
    return fo


def _signed(body: dict[str, Any], secret: str = SECRET, at: int | None = None
            ) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, signing.headers(secret, at or int(time.time()), raw)


def _callback(client: TestClient, raw: bytes, headers: dict[str, str]) -> Any:
    return client.post("/api/v1/3pl/TPL1/callbacks", content=raw,
                       headers={**headers, "Content-Type": "application/json"})


def _shipped_event(fo_id: str, event_id: str = "evt-1") -> dict[str, Any]:
    return {"event_id": event_id, "fulfilment_order_id": fo_id, "shipments": [
        {"carrier": "JNE", "tracking_number": "JNE-1",
         "lines": [{"sku": "TEE", "quantity": 2}]}]}


def test_the_secret_is_shown_once_and_never_listed(api: Api) -> None:
    api.location("TPL1", kind="3pl")
    made = api.client.put("/api/v1/3pl/TPL1/endpoint", json={"url": "https://3pl.example/x"},
                          headers=api.headers())
    assert made.status_code == 200
    assert len(made.json()["secret"]) >= 32
    shown = api.ok(api.get("/3pl/TPL1/endpoint"))
    assert shown == {"location_id": made.json()["location_id"], "location_code": "TPL1",
                     "url": "https://3pl.example/x", "secret_set": True,
                     "updated_at": made.json()["updated_at"]}
    assert api.client.put("/api/v1/3pl/TPL1/endpoint", json={"url": "https://3pl.example/x"},
                          headers=api.headers("warehouse")).status_code == 403
    wh = api.location("WH1")
    bad = api.client.put("/api/v1/3pl/WH1/endpoint", json={"url": "https://3pl.example/x"},
                         headers=api.headers())
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "not_3pl")
    assert wh["kind"] == "warehouse"


def test_releasing_to_a_3pl_writes_a_dispatch_that_is_sent_signed(api: Api,
                                                                  receiver: Receiver) -> None:
    _, cust = _three_pl(api, receiver.url)
    order = api.order(cust["id"], [("TEE", 3)])
    fo = _fo_of(api, order["id"])
    [pending] = api.ok(api.get("/3pl/dispatches", fulfilment_order_id=fo["id"]))["items"]
    assert (pending["kind"], pending["status"], pending["attempts"]) == ("release", "pending", 0)
    assert receiver.received == []  # nothing leaves inside the transaction
    assert _send(api) == {"sent": 1, "retry": 0, "failed": 0}
    [(headers, body)] = receiver.received
    ts = headers[signing.TIMESTAMP_HEADER]
    assert signing.verify(SECRET, ts, headers[signing.SIGNATURE_HEADER], body,
                          int(time.time())) is None
    assert signing.verify("wrong-secret-wrong-secret", ts, headers[signing.SIGNATURE_HEADER],
                          body, int(time.time())) == "bad signature"
    sent = json.loads(body)
    assert sent["type"] == "fulfilment_order.released"
    assert sent["fulfilment_order"]["id"] == fo["id"]
    assert [(x["sku"], x["quantity"]) for x in sent["fulfilment_order"]["lines"]] == [("TEE", 3)]
    [done] = api.ok(api.get("/3pl/dispatches", fulfilment_order_id=fo["id"]))["items"]
    assert (done["status"], done["attempts"], done["last_status"]) == ("sent", 1, 200)
    assert _send(api) == {"sent": 0, "retry": 0, "failed": 0}


def test_a_failed_dispatch_is_retried_with_backoff(api: Api, receiver: Receiver) -> None:
    _, cust = _three_pl(api, receiver.url)
    order = api.order(cust["id"], [("TEE", 1)])
    receiver.answers = [503]
    t0 = now()
    assert _send(api, at=t0) == {"sent": 0, "retry": 1, "failed": 0}
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    assert (d["status"], d["attempts"], d["last_status"], d["last_error"]) == (
        "pending", 1, 503, "HTTP 503")
    # Not due yet: nothing is sent before the backoff has passed (the webhooks' schedule,
    # delivery/backoff.py: 5 s after the first failure, jittered by at most 15 %).
    assert _send(api, at=t0 + timedelta(seconds=4)) == {
        "sent": 0, "retry": 0, "failed": 0}
    assert _send(api, at=t0 + timedelta(seconds=6)) == {
        "sent": 1, "retry": 0, "failed": 0}
    assert len(receiver.received) == 2
    assert api.ok(api.get("/3pl/dispatches"))["items"][0]["attempts"] == 2
    assert order["status"] == "open"


def test_an_unreachable_3pl_is_given_up_after_the_last_attempt(api: Api) -> None:
    _three_pl(api, "http://127.0.0.1:9/nobody-listens")
    cust = api.customer()
    api.order(cust["id"], [("TEE", 1)])
    at = now()
    outcomes = []
    # Eleven attempts over about three days (delivery/backoff.py); the longest wait is 16 h
    # plus 15 % jitter, so a pass every 19 h finds the next one due.
    for _ in range(11):
        outcomes.append(_send(api, at=at))
        at += timedelta(hours=19)
    assert outcomes[-1] == {"sent": 0, "retry": 0, "failed": 1}
    assert sum(o["retry"] for o in outcomes) == 10
    assert _send(api, at=at) == {"sent": 0, "retry": 0, "failed": 0}  # given up for good
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    assert (d["status"], d["attempts"]) == ("failed", 11)
    assert "Connection refused" in d["last_error"]


def test_a_signed_callback_ships_and_a_replay_changes_nothing(api: Api) -> None:
    loc, cust = _three_pl(api, "https://3pl.example/in")
    order = api.order(cust["id"], [("TEE", 3)])
    fo = _fo_of(api, order["id"])
    raw, headers = _signed(_shipped_event(fo["id"]))
    first = _callback(api.client, raw, headers)
    assert first.status_code == 200, first.text
    [shipped] = first.json()["shipments"]
    assert shipped["number"] == "SH-000001"
    assert api.level("TEE", loc["id"])["on_hand"] == 8
    assert _fo_of(api, order["id"])["status"] == "partially_shipped"
    before = snapshot(api.container.engine)
    again = _callback(api.client, raw, headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Callback-Replayed"] == "true"
    assert snapshot(api.container.engine) == before
    # Then the delivery report under a new event id.
    raw2, headers2 = _signed({"event_id": "evt-2", "fulfilment_order_id": fo["id"],
                              "deliveries": [{"tracking_number": "JNE-1",
                                              "status": "delivered"}]})
    delivered = _callback(api.client, raw2, headers2)
    assert delivered.json()["deliveries"] == [
        {"id": shipped["id"], "number": "SH-000001", "status": "delivered"}]
    timeline = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    assert [e["actor"] for e in timeline if e["kind"] == "shipment.shipped"] == ["3pl TPL1"]
    with checks.snapshot(api.container.engine) as conn:
        assert [(r.check.name, r.breaches) for r in checks.run_all(conn)
                if not r.ok and r.check.name.startswith("fulfilment")] == []


@pytest.mark.parametrize("tamper", ["bad_signature", "wrong_secret", "missing", "stale",
                                    "unknown_location"])
def test_a_callback_that_is_not_authentic_is_401_and_changes_nothing(api: Api,
                                                                     tamper: str) -> None:
    _, cust = _three_pl(api, "https://3pl.example/in")
    order = api.order(cust["id"], [("TEE", 3)])
    fo = _fo_of(api, order["id"])
    raw, headers = _signed(_shipped_event(fo["id"]))
    path = "/api/v1/3pl/TPL1/callbacks"
    if tamper == "bad_signature":
        raw = raw.replace(b'"quantity": 2', b'"quantity": 3')  # signed 2, asks for 3
    elif tamper == "wrong_secret":
        raw, headers = _signed(_shipped_event(fo["id"]), secret="not-the-shared-secret-at-all")
    elif tamper == "missing":
        headers = {}
    elif tamper == "stale":
        raw, headers = _signed(_shipped_event(fo["id"]), at=int(time.time()) - 301)
    else:
        path = "/api/v1/3pl/NOPE/callbacks"
    before = snapshot(api.container.engine)
    resp = api.client.post(path, content=raw,
                           headers={**headers, "Content-Type": "application/json"})
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/unauthenticated"
    assert snapshot(api.container.engine) == before


def test_a_signed_but_impossible_callback_is_refused_and_changes_nothing(api: Api) -> None:
    _, cust = _three_pl(api, "https://3pl.example/in")
    order = api.order(cust["id"], [("TEE", 3)])
    fo = _fo_of(api, order["id"])
    event = _shipped_event(fo["id"])
    event["shipments"][0]["lines"][0]["quantity"] = 4
    before = snapshot(api.container.engine)
    resp = _callback(api.client, *_signed(event))
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "shipments[0].lines[0].quantity",
                                      "code": "exceeds_unshipped",
                                      "message": "4 requested, 3 left to ship"}]
    malformed = _callback(api.client, *_signed({"event_id": "x"}))
    assert malformed.status_code == 422
    assert snapshot(api.container.engine) == before
    # The same event id, corrected, is processed: a refusal was not recorded as done.
    event["shipments"][0]["lines"][0]["quantity"] = 3
    assert _callback(api.client, *_signed(event)).status_code == 200


@pytest.mark.postgres_only
def test_the_same_callback_ten_times_at_once_ships_once(api: Api, backend: str) -> None:
    loc, cust = _three_pl(api, "https://3pl.example/in")
    order = api.order(cust["id"], [("TEE", 3)])
    fo = _fo_of(api, order["id"])
    raw, headers = _signed(_shipped_event(fo["id"]))
    app = create_app(api.container)
    start = threading.Barrier(10)

    def send(_: int) -> tuple[int, str]:
        client = TestClient(app, raise_server_exceptions=False)
        start.wait()
        resp = _callback(client, raw, headers)
        return resp.status_code, resp.text

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(send, range(10)))
    assert [status for status, _ in answers] == [200] * 10
    assert len({text for _, text in answers}) == 1  # every replay answers the first result
    shipments = api.ok(api.get(f"/orders/{order['id']}/shipments"))["items"]
    assert len(shipments) == 1
    assert api.level("TEE", loc["id"])["on_hand"] == 8


def test_withdrawing_a_3pl_order_cancels_an_unsent_release_or_tells_the_3pl(
        api: Api, receiver: Receiver) -> None:
    _, cust = _three_pl(api, receiver.url)
    unsent = api.order(cust["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{unsent['id']}/cancel", {"reason": "changed mind"}))
    [d] = api.ok(api.get("/3pl/dispatches",
                         fulfilment_order_id=_fo_of(api, unsent["id"])["id"]))["items"]
    assert (d["kind"], d["status"]) == ("release", "cancelled")
    sent = api.order(cust["id"], [("TEE", 1)])
    assert _send(api)["sent"] == 1
    api.ok(api.post(f"/orders/{sent['id']}/cancel", {"reason": "changed mind"}))
    fo = _fo_of(api, sent["id"])
    kinds = [(x["kind"], x["status"]) for x in api.ok(api.get(
        "/3pl/dispatches", fulfilment_order_id=fo["id"]))["items"]]
    assert kinds == [("cancel", "pending"), ("release", "sent")]
    assert _send(api)["sent"] == 1
    assert json.loads(receiver.received[-1][1])["type"] == "fulfilment_order.cancelled"
    assert len(receiver.received) == 2  # the unsent release never left
