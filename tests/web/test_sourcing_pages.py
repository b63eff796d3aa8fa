"""Console: sourcing settings (locations, safety stock), the dry-run form, backorders."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def test_location_settings_are_saved_from_the_sourcing_page(
        api: Api, client: TestClient, container: Container) -> None:
    loc = api.location("WH1")
    csrf = login(client, container, "warehouse")
    page = client.get("/inventory/sourcing").text
    assert f'action="/inventory/sourcing/locations/{loc["id"]}"' in page
    assert 'href="/inventory/sourcing" aria-current="page"' in page
    resp = client.post(f"/inventory/sourcing/locations/{loc['id']}", data={
        "csrf_token": csrf, "region": "JK", "country": "id", "channel_web": "1",
        "channel_pos": "1"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    saved = api.ok(api.get(f"/locations/{loc['id']}"))
    assert (saved["region"], saved["country"], saved["channels"]) == ("JK", "ID", ["pos", "web"])


def test_a_bad_safety_stock_is_shown_beside_its_field_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE")
    loc = api.location("WH1")
    csrf = login(client, container, "warehouse")
    before = snapshot(container.engine)
    resp = client.post("/inventory/sourcing/safety-stock", data={
        "csrf_token": csrf, "sku": "TEE", "location_id": loc["id"], "safety_stock": "-2"})
    assert resp.status_code == 422
    assert "greater than or equal to 0" in resp.text
    assert snapshot(container.engine) == before
    ok = client.post("/inventory/sourcing/safety-stock", data={
        "csrf_token": csrf, "sku": "TEE", "location_id": loc["id"], "safety_stock": "3"},
        follow_redirects=False)
    assert ok.status_code == 303
    assert "<td>TEE</td><td>WH1</td>" in client.get("/inventory/sourcing").text


def test_the_dry_run_form_shows_the_plan_and_reserves_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE")
    a, b = api.location("WH-A"), api.location("WH-B")
    api.stock("TEE", a["id"], 2)
    api.stock("TEE", b["id"], 2)
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    html = client.post("/inventory/sourcing/plan", data={
        "csrf_token": csrf, "lines": "TEE:3", "channel": "web"}).text
    assert snapshot(container.engine) == before
    assert "2 shipment(s)" in html
    assert "TEE x 3: split (2 from WH-A, 1 from WH-B)" in html


def test_backorders_are_listed_in_the_console(
        api: Api, client: TestClient, container: Container) -> None:
    product = api.product("TEE")
    api.client.patch(f"/api/v1/products/{product['id']}", headers=api.headers(),
                     json={"oversell_policy": "backorder", "backorder_limit": 5})
    api.location("WH1")
    order = api.order(api.customer()["id"], [("TEE", 2)])
    login(client, container, "clerk")
    html = client.get("/inventory/backorders").text
    assert f'<a href="/orders/{order["id"]}">SO-000001</a>' in html
    assert client.get("/inventory/backorders?status=filled").text.count("No backorders.") == 1
