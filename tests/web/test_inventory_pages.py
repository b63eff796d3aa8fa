"""The console's inventory pages: stock by SKU and location, adjustments, movement history."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login


def _shop(api: Api) -> dict[str, Any]:
    """TEE with 5 on hand at WH-A, 2 of them reserved by an open order."""
    api.product("TEE")
    wh = api.location("WH-A")
    api.stock("TEE", wh["id"], 5)
    api.order(api.customer()["id"], [("TEE", 2)])
    return wh


def test_the_stock_page_shows_on_hand_reserved_and_available(api: Api, client: TestClient,
                                                             container: Container) -> None:
    wh = _shop(api)
    api.product("MUG")
    api.stock("MUG", wh["id"], 7)
    login(client, container, "clerk")
    page = client.get("/inventory")
    assert page.status_code == 200
    assert ('<td class="num">5</td>\n  <td class="num">2</td>\n'
            '  <td class="num"><strong>3</strong></td>') in page.text
    found = client.get("/inventory", params={"q": "te"})
    assert ">TEE</a>" in found.text
    assert ">MUG</a>" not in found.text


def test_the_stock_list_pages_with_a_cursor(api: Api, client: TestClient,
                                            container: Container) -> None:
    wh = api.location("WH-A")
    for i in range(51):
        api.product(f"P{i:02d}")
        api.stock(f"P{i:02d}", wh["id"], 1)
    login(client, container, "admin")
    first = client.get("/inventory")
    assert first.text.count("Movements</a>") == 50
    assert "Load more" in first.text
    more = client.get(first.text.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&"),
                      headers={"HX-Request": "true"})
    assert more.text.count("Movements</a>") == 1
    assert "Load more" not in more.text


def test_an_adjustment_through_the_form_moves_stock_and_appears_in_the_history(
        api: Api, client: TestClient, container: Container) -> None:
    wh = _shop(api)
    token = login(client, container, "warehouse")
    resp = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "TEE", "location_id": wh["id"], "quantity": "-3",
        "reason": "water damage"}, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == (
        f"/inventory/history?sku=TEE&location_id={wh['id']}&adjusted=-3")
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"], level["available"]) == (2, 2, 0)
    history = client.get(resp.headers["location"])
    assert "Adjustment applied: -3 units." in history.text
    assert '<td class="num">-3</td>\n  <td>water damage</td>' in history.text
    assert '<td class="num">+5</td>\n  <td>opening count</td>' in history.text


def test_removing_reserved_stock_shows_the_message_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    wh = _shop(api)
    token = login(client, container, "warehouse")
    before = row_counts(container.engine)
    resp = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "TEE", "location_id": wh["id"], "quantity": "-4",
        "reason": "recount", "back": "history"})
    assert resp.status_code == 422
    assert "SKU TEE: cannot remove 4, not that many unreserved units" in resp.text
    assert 'id="quantity-error" role="alert">more than available</small>' in resp.text
    assert 'value="recount"' in resp.text  # the form keeps what was typed
    assert row_counts(container.engine) == before
    assert api.level("TEE", wh["id"])["on_hand"] == 5


def test_an_unknown_sku_and_a_non_number_are_shown_beside_their_fields(
        api: Api, client: TestClient, container: Container) -> None:
    wh = _shop(api)
    token = login(client, container, "admin")
    before = row_counts(container.engine)
    bad_qty = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "TEE", "location_id": wh["id"], "quantity": "lots",
        "reason": "x"})
    assert bad_qty.status_code == 422
    assert 'id="quantity-error" role="alert">Enter a whole number.</small>' in bad_qty.text
    no_sku = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "NOPE", "location_id": wh["id"], "quantity": "1",
        "reason": "x"})
    assert no_sku.status_code == 422
    assert 'id="sku-error" role="alert">no product with SKU NOPE</small>' in no_sku.text
    assert row_counts(container.engine) == before


def test_a_clerk_sees_stock_but_cannot_post_adjustments(api: Api, client: TestClient,
                                                        container: Container) -> None:
    wh = _shop(api)
    token = login(client, container, "clerk")
    page = client.get("/inventory")
    assert page.status_code == 200
    assert 'action="/inventory/adjustments"' not in page.text
    assert 'href="/purchasing"' not in page.text
    before = row_counts(container.engine)
    resp = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "TEE", "location_id": wh["id"], "quantity": "10",
        "reason": "gift"})
    assert resp.status_code == 403
    assert "Your role does not give access to this page." in resp.text
    assert row_counts(container.engine) == before


def test_an_adjustment_without_the_csrf_token_is_refused(api: Api, client: TestClient,
                                                        container: Container) -> None:
    wh = _shop(api)
    login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post("/inventory/adjustments", data={
        "sku": "TEE", "location_id": wh["id"], "quantity": "10", "reason": "forged"})
    assert resp.status_code == 403
    assert row_counts(container.engine) == before


def test_the_history_names_the_shipment_and_links_its_order(api: Api, client: TestClient,
                                                            container: Container) -> None:
    api.product("TEE")
    wh = api.location("WH-A")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2)])
    api.ok(api.post(f"/orders/{order['id']}/shipments",
                    {"carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    login(client, container, "warehouse")
    page = client.get("/inventory/history", params={"sku": "TEE"})
    assert page.status_code == 200
    assert '<td class="num">-2</td>' in page.text
    assert f'<a href="/orders/{order["id"]}">SH-000001</a>' in page.text
    assert client.get("/inventory/history", params={"sku": "NOPE"}).status_code == 404
