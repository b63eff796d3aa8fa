"""3PL endpoints as an attacker would try them: a URL pointing inside is refused when it is set
(a 422 naming the reason, nothing changed); the shared secret rests sealed and a replay of the
PUT does not return it; and only admins read why a delivery failed (the error text maps the
internal network), in the API and in the console."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.auth.roles import ROLES
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.fulfillment import dispatch, signing
from pesanan.outbound import Client, Policy
from tests import outbound_servers as peers
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login

SECRET = "s3cret-shared-with-the-3pl-0123456789"


def _put(api: Api, url: str, idem: str | None = None, secret: str | None = SECRET) -> Any:
    body = {"url": url} if secret is None else {"url": url, "secret": secret}
    return api.client.put("/api/v1/3pl/TPL1/endpoint", json=body,
                          headers=api.headers(idem=idem))


@pytest.mark.parametrize(("url", "code"), [
    ("http://169.254.169.254/latest/meta-data/", "link_local"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://127.1:8080/", "loopback"),
    ("http://0/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://10.0.0.5/in", "private"),
    ("http://100.100.100.200/", "cgnat"),
    ("http://localhost:8000/", "local_name"),
    ("https://user:pw@3pl.example/in", "credentials"),
])
def test_an_endpoint_pointing_inside_is_refused_and_nothing_changes(api: Api, url: str,
                                                                     code: str) -> None:
    api.location("TPL1", kind="3pl")
    assert _put(api, "https://3pl.example/in").status_code == 200
    before = row_counts(api.container.engine)
    resp = _put(api, url)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/validation-error"
    [error] = resp.json()["errors"]
    assert (error["field"], error["code"]) == ("url", code)
    assert row_counts(api.container.engine) == before
    assert api.ok(api.get("/3pl/TPL1/endpoint"))["url"] == "https://3pl.example/in"


def test_the_secret_rests_sealed_and_a_replay_does_not_return_it(api: Api) -> None:
    api.location("TPL1", kind="3pl")
    first = _put(api, "https://3pl.example/in", idem="put-endpoint-1")
    assert (first.status_code, first.json()["secret"]) == (200, SECRET)
    replay = _put(api, "https://3pl.example/in", idem="put-endpoint-1")
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert replay.json() == {**first.json(), "secret": None}
    with api.container.engine.connect() as conn:
        [sealed] = conn.execute(text("SELECT secret_sealed FROM tpl_endpoint")).scalars()
        stored = [str(v) for row in conn.execute(text("SELECT * FROM idempotency_key"))
                  for v in row]
        every = [str(v) for row in conn.execute(text("SELECT * FROM tpl_endpoint")) for v in row]
    assert sealed.startswith("fernet:")
    assert not any(SECRET in v for v in every + stored)
    assert crypto.box_for(api.container.settings).open(sealed) == SECRET


def test_a_made_up_secret_is_shown_once_then_signs_and_verifies(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server-made secret seals too: dispatches it signs verify with the secret shown
    once, and a callback signed with it is accepted."""
    monkeypatch.setattr(api.container.settings, "outbound_allow", "127.0.0.1")
    receiver = peers.Peer(peers.ok)
    try:
        api.product("TEE")
        loc = api.location("TPL1", kind="3pl")
        api.stock("TEE", loc["id"], 5)
        shown = _put(api, receiver.url, secret=None).json()["secret"]
        order = api.order(api.customer()["id"], [("TEE", 1)])
        assert dispatch.send_pending(api.container.engine,
                                     crypto.box_for(api.container.settings),
                                     Client(Policy.parse("127.0.0.1")))["sent"] == 1
    finally:
        receiver.close()
    [request] = receiver.requests
    head = peers.header_lines(request)
    body = request.partition(b"\r\n\r\n")[2]
    now = int(time.time())
    assert signing.verify(shown, head["x-pesanan-timestamp"], head["x-pesanan-signature"],
                          body, now) is None
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    raw = json.dumps({"event_id": "e1", "fulfilment_order_id": fo["id"], "shipments": [
        {"carrier": "JNE", "tracking_number": "T1"}]}).encode()
    answer = api.client.post("/api/v1/3pl/TPL1/callbacks", content=raw, headers={
        **signing.headers(shown, now, raw), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def _failed_delivery(api: Api, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A 3PL whose endpoint answers 503: one attempt recorded, retry pending."""
    monkeypatch.setattr(api.container.settings, "outbound_allow", "127.0.0.1")
    server = peers.Peer(lambda _, conn: conn.sendall(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    try:
        api.product("TEE")
        loc = api.location("TPL1", kind="3pl")
        api.stock("TEE", loc["id"], 5)
        assert _put(api, server.url).status_code == 200
        order = api.order(api.customer()["id"], [("TEE", 1)])
        assert dispatch.send_pending(api.container.engine,
                                     crypto.box_for(api.container.settings),
                                     Client(Policy.parse("127.0.0.1")))["retry"] == 1
    finally:
        server.close()
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    return dict(fo)


@pytest.mark.parametrize("role", ROLES)
def test_only_an_admin_reads_why_a_delivery_failed(api: Api, role: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fo = _failed_delivery(api, monkeypatch)
    [d] = api.ok(api.get("/3pl/dispatches", role=role))["items"]
    assert (d["fulfilment_order_id"], d["status"], d["attempts"]) == (fo["id"], "pending", 1)
    assert d["next_attempt_at"] is not None
    if role == "admin":
        assert (d["last_status"], d["last_error"]) == (503, "HTTP 503")
    else:
        assert (d["last_status"], d["last_error"]) == (None, "delivery failed")


@pytest.mark.parametrize("role", ROLES)
def test_the_console_shows_why_a_delivery_failed_to_admins_only(
        api: Api, client: TestClient, container: Container, role: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fo = _failed_delivery(api, monkeypatch)
    login(client, container, role)
    page = client.get(f"/fulfilment/{fo['id']}")
    assert page.status_code == 200
    section = page.text.split('id="tpl-dispatches"')[1].split("</article>")[0]
    assert "Release" in section and "1 attempt" in section and "next try" in section
    if role == "admin":
        assert "HTTP 503" in section and "delivery failed" not in section
    else:
        assert "delivery failed" in section and "503" not in section
