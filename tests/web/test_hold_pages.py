"""Console: the hold queue, the order page's changes section (hold, release, edit), rules."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.product("MUG", price="5.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    api.stock("MUG", wh["id"], 10)
    return {"customer": api.customer(), "wh": wh}


def test_the_order_page_loads_the_changes_section_and_the_nav_links_the_queue(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    login(client, container, "clerk")
    html = client.get(f"/orders/{order['id']}").text
    assert f'hx-get="/orders/{order["id"]}/changes"' in html
    assert '<a href="/holds"' in html
    section = client.get(f"/orders/{order['id']}/changes").text
    assert f'action="/orders/{order["id"]}/hold"' in section
    assert 'id="edit-form"' in section
    assert "Not edited since it was placed." in section


def test_a_clerk_holds_then_releases_an_order_from_the_console(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    csrf = login(client, container, "clerk")
    resp = client.post(f"/orders/{order['id']}/hold",
                       data={"reason": "phone number missing", "csrf_token": csrf},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    section = client.get(f"/orders/{order['id']}/changes").text
    assert f'action="/orders/{order["id"]}/release"' in section
    assert "phone number missing" in section
    queue = client.get("/holds").text
    assert order["number"] in queue and "phone number missing" in queue
    resp = client.post(f"/holds/{order['id']}/release",
                       data={"note": "called", "csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "open"
    assert "No order is on hold." in client.get("/holds").text


def test_cancel_from_the_queue_needs_a_note(api: Api, client: TestClient,
                                           container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "check"}))
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/holds/{order['id']}/cancel", data={"csrf_token": csrf})
    assert resp.status_code == 422
    assert "Say why the order is cancelled" in resp.text
    assert snapshot(container.engine) == before
    resp = client.post(f"/holds/{order['id']}/cancel",
                       data={"note": "fraud", "csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "cancelled"


def test_the_edit_form_changes_a_quantity_and_adds_a_line(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    line = order["lines"][0]["id"]
    csrf = login(client, container, "clerk")
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, "expected_version": str(order["version"]), f"was-{line}": "1",
        f"qty-{line}": "2", "add_sku": "MUG", "add_qty": "3", "note": "by phone"},
        follow_redirects=False)
    assert resp.status_code == 303, resp.text
    now = api.ok(api.get(f"/orders/{order['id']}"))
    assert [(x["sku"], x["quantity"]) for x in now["lines"]] == [("TEE", 2), ("MUG", 3)]
    section = client.get(f"/orders/{order['id']}/changes").text
    assert 'id="revision-1"' in section and "by phone" in section


def test_an_edit_beyond_stock_shows_the_error_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    line = order["lines"][0]["id"]
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, f"was-{line}": "1", f"qty-{line}": "50"})
    assert resp.status_code == 422
    assert "TEE: 50 requested, 10 available" in resp.text
    assert 'value="50"' in resp.text  # what was typed is kept
    assert snapshot(container.engine) == before


def test_only_an_admin_manages_hold_rules(api: Api, client: TestClient,
                                          container: Container) -> None:
    _shop(api)
    login(client, container, "clerk")
    assert client.get("/holds/rules").status_code == 403
    client.cookies.clear()
    csrf = login(client, container, "admin")
    resp = client.post("/holds/rules", data={"csrf_token": csrf, "kind": "order_total_above",
                                             "limits": "USD=100.00, IDR=1500000"},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    [rule] = api.ok(api.get("/hold-rules"))["items"]
    assert rule["parameters"] == {"limits": {"USD": "100.00", "IDR": "1500000"}}
    resp = client.post(f"/holds/rules/{rule['id']}/toggle", data={"csrf_token": csrf},
                       follow_redirects=False)
    assert resp.status_code == 303
    assert api.ok(api.get("/hold-rules"))["items"][0]["enabled"] is False
    before = snapshot(container.engine)
    resp = client.post("/holds/rules", data={"csrf_token": csrf, "kind": "country_not_served",
                                             "countries": "Indonesia"})
    assert resp.status_code == 422
    assert re.search(r'id="countries-error"[^>]*>[^<]*two-letter', resp.text), resp.text
    assert snapshot(container.engine) == before


def test_the_edit_form_changes_the_shipping_address(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    csrf = login(client, container, "clerk")
    section = client.get(f"/orders/{order['id']}/changes").text
    assert 'id="edit-address"' in section and 'name="addr_city"' in section
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, "expected_version": str(order["version"]), "change_address": "1",
        "addr_name": "Wulan Sari", "addr_line1": "Jl. Braga No. 8", "addr_city": "Bandung",
        "addr_region": "JB", "addr_country": "ID"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    now = api.ok(api.get(f"/orders/{order['id']}"))
    assert (now["shipping_address"]["city"], now["shipping_address"]["line1"]) == (
        "Bandung", "Jl. Braga No. 8")
    assert now["version"] == order["version"] + 1


def test_an_address_without_a_city_shows_the_error_beside_it_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, "change_address": "1", "addr_name": "Wulan Sari",
        "addr_line1": "Jl. Braga No. 8", "addr_country": "ID"})
    assert resp.status_code == 422
    assert "Check the new shipping address" in resp.text
    assert re.search(r'name="addr_city"[^>]*aria-invalid="true"', resp.text), resp.text
    assert 'value="Jl. Braga No. 8"' in resp.text  # what was typed is kept
    assert snapshot(container.engine) == before


def test_a_revision_shows_the_refund_due_or_the_balance_due(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    line = order["lines"][0]["id"]
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": "44.00", "method": "card"}),
           201)
    api.ok(api.post(f"/orders/{order['id']}/edits", {"changes": [
        {"op": "set_quantity", "line_id": line, "quantity": 1}]}))
    api.ok(api.post(f"/orders/{order['id']}/edits", {"changes": [
        {"op": "set_quantity", "line_id": line, "quantity": 3}]}))
    login(client, container, "clerk")
    section = client.get(f"/orders/{order['id']}/changes").text
    first = section[section.index('id="revision-1"'):section.index('id="revision-2"')]
    second = section[section.index('id="revision-2"'):]
    assert "refund due 22.00" in first, first
    assert "balance due" in second and "refund due" not in second.split("</div>")[0], second
