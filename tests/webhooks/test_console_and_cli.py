"""The console's Webhooks page (admin) and the `pesanan webhooks` CLI."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login
from tests.webhooks.helpers import pump_until, shop, verify
from tests.webhooks.receiver import Receiver

_SECRET = re.compile(r'<code id="new-endpoint-secret">(whsec_[A-Za-z0-9+/=]+)</code>')


def test_an_admin_adds_an_endpoint_sees_the_secret_once_and_replays_a_delivery(
        client: TestClient, api: Api, hooks: Container, receiver: Receiver) -> None:
    csrf = login(client, hooks, "admin")
    assert '<a href="/webhooks"' in client.get("/webhooks").text
    resp = client.post("/webhooks", data={"url": receiver.url, "event_types": "order.placed",
                                          "csrf_token": csrf})
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    found = _SECRET.search(resp.text)
    assert found, "the secret is not on the page"
    secret = found.group(1)
    product, customer = shop(api)
    api.order(customer, [(product["sku"], 1)])
    pump_until(hooks, lambda: len(receiver.received()) == 1)
    verify(secret, receiver.received()[0])

    page = client.get("/webhooks").text
    assert secret not in page and receiver.url in page
    delivery = re.search(r'id="delivery-([0-9a-f-]{36})"', page)
    assert delivery and "delivered" in page
    resp = client.post(f"/webhooks/deliveries/{delivery.group(1)}/replay",
                       data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    pump_until(hooks, lambda: len(receiver.received()) == 2)
    assert len({r.headers["webhook-id"] for r in receiver.received()}) == 1

    endpoint_id = re.search(r'id="endpoint-([0-9a-f-]{36})"', page)
    assert endpoint_id
    resp = client.post(f"/webhooks/endpoints/{endpoint_id.group(1)}/disable",
                       data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.ok(api.get(f"/webhooks/endpoints/{endpoint_id.group(1)}"))["status"] == "disabled"
    assert "Enable</button>" in client.get("/webhooks").text


def test_an_internal_url_in_the_form_is_refused_with_the_reason_and_nothing_added(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post("/webhooks", data={"url": "http://192.168.1.10/x",
                                          "event_types": "order.placed", "csrf_token": csrf})
    assert resp.status_code == 422
    assert "private" in html.unescape(resp.text)
    assert row_counts(container.engine) == before


def test_a_clerk_may_not_see_the_webhooks_page(client: TestClient, container: Container
                                               ) -> None:
    login(client, container, "clerk")
    assert client.get("/webhooks").status_code == 403


@pytest.mark.postgres_only
def test_the_cli_adds_lists_disables_and_enables_an_endpoint(
        hooks: Container, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from pesanan.cli import app
    from pesanan.config import get_settings

    monkeypatch.setenv("PESANAN_DATABASE_URL", hooks.settings.database_url)
    monkeypatch.setenv("PESANAN_OUTBOUND_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke
        added = run(app, ["webhooks", "add", receiver.url, "--events", "order.*"])
        assert added.exit_code == 0, added.output
        endpoint_id = added.output.split()[0]
        assert "secret (shown once): whsec_" in added.output
        listed = run(app, ["webhooks", "list"])
        assert endpoint_id in listed.output and "enabled" in listed.output
        assert "disabled" in run(app, ["webhooks", "disable", endpoint_id]).output
        assert "enabled" in run(app, ["webhooks", "enable", endpoint_id]).output
        refused = run(app, ["webhooks", "add", "http://10.0.0.1/x"])
        assert refused.exit_code == 2 and "private" in refused.output
        unknown = run(app, ["webhooks", "add", receiver.url, "--events", "order.nope"])
        assert unknown.exit_code == 2
        assert run(app, ["webhooks", "replay-from", endpoint_id, "0"]).exit_code == 0
    finally:
        get_settings.cache_clear()
