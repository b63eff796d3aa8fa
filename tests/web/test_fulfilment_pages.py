"""The console's fulfilment pages: the queue per location, a fulfilment order with its pick
list and pack/ship forms, carriers, and the lazily loaded section on the order page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _released(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    api.ok(api.post("/carriers", {"code": "JNE", "name": "JNE Express",
                                  "tracking_url_template": "https://jne.example/{tracking}"}),
           201)
    order = api.order(api.customer()["id"], [("TEE", 3)])
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    return order, fo


def test_the_queue_lists_a_locations_fulfilment_orders(api: Api, client: TestClient,
                                                       container: Container) -> None:
    _, fo = _released(api)
    login(client, container, "warehouse")
    page = client.get("/fulfilment", params={"location_id": fo["location_id"],
                                             "status": "open"})
    assert page.status_code == 200
    assert f'href="/fulfilment/{fo["id"]}">SO-000001-1</a>' in page.text
    assert "No fulfilment orders match" in client.get("/fulfilment",
                                                      params={"status": "packed"}).text
    assert 'href="/fulfilment" aria-current="page">Fulfilment</a>' in page.text


def test_the_pick_list_prints_sku_quantity_and_location(api: Api, client: TestClient,
                                                        container: Container) -> None:
    _, fo = _released(api)
    login(client, container, "warehouse")
    page = client.get(f"/fulfilment/{fo['id']}/pick-list")
    assert page.status_code == 200
    assert "Pick list SO-000001-1" in page.text
    assert '<td class="code">TEE</td><td>Product TEE</td><td class="num"><strong>3</strong>' \
        in page.text
    assert "@media print" in page.text
    assert client.get("/fulfilment/0190a8c2-0000-7000-8000-000000000000/pick-list"
                      ).status_code == 404


def test_pack_then_ship_from_the_page(api: Api, client: TestClient,
                                      container: Container) -> None:
    order, fo = _released(api)
    token = login(client, container, "warehouse")
    packed = client.post(f"/fulfilment/{fo['id']}/step/pack", data={"csrf_token": token},
                         follow_redirects=False)
    assert packed.status_code == 303
    shipped = client.post(f"/fulfilment/{fo['id']}/ship", data={
        "csrf_token": token, "carrier": "JNE", "service": "parcel", "tracking_number": "J1",
        f"qty-{order['lines'][0]['id']}": "2"}, follow_redirects=False)
    assert shipped.status_code == 303, shipped.text
    page = client.get(f"/fulfilment/{fo['id']}").text
    assert '<a href="https://jne.example/J1"' in page
    assert "partially shipped" in page
    after = api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))
    assert [(x["quantity_picked"], x["quantity_shipped"]) for x in after["lines"]] == [(3, 2)]


def test_shipping_too_much_from_the_page_shows_the_error_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    order, fo = _released(api)
    token = login(client, container, "warehouse")
    before = snapshot(api.container.engine)
    resp = client.post(f"/fulfilment/{fo['id']}/ship", data={
        "csrf_token": token, "carrier": "JNE", "service": "parcel", "tracking_number": "J1",
        f"qty-{order['lines'][0]['id']}": "9"})
    assert resp.status_code == 422
    assert "9 requested, 3 left to ship" in resp.text
    assert snapshot(api.container.engine) == before


def test_a_clerk_sees_fulfilment_but_cannot_ship(api: Api, client: TestClient,
                                                 container: Container) -> None:
    _, fo = _released(api)
    token = login(client, container, "clerk")
    page = client.get(f"/fulfilment/{fo['id']}")
    assert page.status_code == 200 and "Print pick list" in page.text
    assert 'action="/fulfilment/' not in page.text
    assert client.post(f"/fulfilment/{fo['id']}/step/pack",
                       data={"csrf_token": token}).status_code == 403


def test_the_order_page_loads_its_fulfilment_section(api: Api, client: TestClient,
                                                     container: Container) -> None:
    order, fo = _released(api)
    login(client, container, "admin")
    assert f'hx-get="/orders/{order["id"]}/fulfilment"' in client.get(
        f"/orders/{order['id']}").text
    section = client.get(f"/orders/{order['id']}/fulfilment", headers={"HX-Request": "true"})
    assert section.status_code == 200
    assert f'<a href="/fulfilment/{fo["id"]}">SO-000001-1</a>' in section.text
    assert "3\N{MULTIPLICATION SIGN} TEE" in section.text


def test_a_carrier_is_added_from_the_page_and_a_bad_template_is_explained(
        api: Api, client: TestClient, container: Container) -> None:
    token = login(client, container, "warehouse")
    bad = client.post("/fulfilment/carriers", data={
        "csrf_token": token, "code": "SC", "name": "SiCepat",
        "tracking_url_template": "https://sicepat.example/"})
    assert bad.status_code == 422
    assert "the template must contain {tracking}" in bad.text
    ok = client.post("/fulfilment/carriers", data={
        "csrf_token": token, "code": "SC", "name": "SiCepat",
        "tracking_url_template": "https://sicepat.example/{tracking}"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "SiCepat" in client.get("/fulfilment/carriers").text


def test_a_failed_delivery_then_a_delivery_are_recorded_from_the_page(
        api: Api, client: TestClient, container: Container) -> None:
    _, fo = _released(api)
    token = login(client, container, "warehouse")
    client.post(f"/fulfilment/{fo['id']}/ship", data={
        "csrf_token": token, "carrier": "JNE", "service": "parcel", "tracking_number": "J1"})
    [shipment] = api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))["shipments"]
    base = f"/fulfilment/{fo['id']}/shipments/{shipment['id']}"
    before = snapshot(api.container.engine)
    no_reason = client.post(f"{base}/fail", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "Say why the delivery failed." in no_reason.text
    assert snapshot(api.container.engine) == before
    assert client.post(f"{base}/fail", data={"csrf_token": token, "reason": "nobody home"},
                       follow_redirects=False).status_code == 303
    assert "failed delivery" in client.get(f"/fulfilment/{fo['id']}").text
    assert client.post(f"{base}/deliver", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))["status"] == "delivered"
