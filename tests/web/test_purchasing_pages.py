"""The console's purchasing pages: replenish, purchase orders, receiving, suppliers, offers and
reorder rules."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login


def _below_reorder_point(api: Api) -> dict[str, Any]:
    """TEE: 2 on hand at WH-A, reorder point 5, reorder quantity 10, one supplier offering it."""
    api.product("TEE", currency="USD")
    wh = api.location("WH-A")
    api.stock("TEE", wh["id"], 2)
    sup = api.ok(api.post("/suppliers", {"name": "Kain Jaya", "currency": "USD"}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": sup["id"], "sku": "TEE",
                                         "price": "4.00", "currency": "USD",
                                         "lead_time_days": 3}), 201)
    api.ok(api.post("/reorder-rules", {"sku": "TEE", "location_id": wh["id"],
                                       "reorder_point": 5, "reorder_qty": 10}))
    return {"wh": wh, "supplier": sup}


def _po(api: Api) -> dict[str, Any]:
    items = api.ok(api.get("/purchase-orders"))["items"]
    assert len(items) == 1, items
    return items[0]


def test_replenish_from_the_page_drafts_a_purchase_order(api: Api, client: TestClient,
                                                         container: Container) -> None:
    _below_reorder_point(api)
    token = login(client, container, "warehouse")
    page = client.post("/purchasing/replenish", data={"csrf_token": token})
    assert page.status_code == 200
    assert "Replenish drafted 1 purchase order." in page.text
    po = _po(api)
    assert (po["number"], po["status"], po["total"]) == ("PO-000001", "draft", "40.00")
    assert f'<a href="/purchasing/orders/{po["id"]}">PO-000001</a>' in page.text
    assert '<span style="white-space:nowrap">10\u00d7 TEE</span>' in page.text
    again = client.post("/purchasing/replenish", data={"csrf_token": token})
    assert "Nothing to order" in again.text
    assert len(api.ok(api.get("/purchase-orders"))["items"]) == 1


def test_the_purchase_order_list_filters_by_status(api: Api, client: TestClient,
                                                   container: Container) -> None:
    _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    login(client, container, "accountant")
    assert "PO-000001" in client.get("/purchasing", params={"status": "draft"}).text
    received = client.get("/purchasing", params={"status": "received"})
    assert "PO-000001" not in received.text
    assert "No purchase orders match." in received.text
    assert "Replenish now" not in received.text  # an accountant reads purchasing only


def test_receiving_everything_from_the_page_raises_on_hand(api: Api, client: TestClient,
                                                           container: Container) -> None:
    shop = _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    po = _po(api)
    token = login(client, container, "warehouse")
    detail = client.get(f"/purchasing/orders/{po['id']}")
    assert "Submit to supplier" in detail.text
    assert "Receive everything outstanding" in detail.text
    resp = client.post(f"/purchasing/orders/{po['id']}/receive",
                       data={"csrf_token": token, "all": "1"}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 12
    after = client.get(f"/purchasing/orders/{po['id']}")
    assert '<span class="badge s-received">received</span>' in after.text
    assert "Receive everything outstanding" not in after.text
    assert "Cancel purchase order" not in after.text


def test_receiving_part_of_a_line_leaves_the_rest_outstanding(api: Api, client: TestClient,
                                                              container: Container) -> None:
    shop = _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    po = _po(api)
    line_id = po["lines"][0]["id"]
    token = login(client, container, "warehouse")
    resp = client.post(f"/purchasing/orders/{po['id']}/receive",
                       data={"csrf_token": token, f"qty-{line_id}": "4"}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 6
    line = _po(api)["lines"][0]
    assert (line["quantity_received"], line["quantity_outstanding"]) == (4, 6)
    page = client.get(f"/purchasing/orders/{po['id']}")
    assert "partially received" in page.text
    assert "Submit to supplier" not in page.text  # partly received: only more receipts


def test_over_receipt_shows_the_message_beside_the_line_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    po = _po(api)
    line_id = po["lines"][0]["id"]
    token = login(client, container, "warehouse")
    before = row_counts(container.engine)
    resp = client.post(f"/purchasing/orders/{po['id']}/receive",
                       data={"csrf_token": token, f"qty-{line_id}": "11"})
    assert resp.status_code == 422
    assert (f'id="qty-{line_id}-error" role="alert">TEE: 11 to receive, 10 outstanding</small>'
            in resp.text)
    assert re.search(rf'name="qty-{line_id}"[^>]*value="11"', resp.text)
    assert row_counts(container.engine) == before
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 2
    assert _po(api)["status"] == "draft"


def test_a_receipt_with_no_quantities_receives_nothing(api: Api, client: TestClient,
                                                       container: Container) -> None:
    _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    po = _po(api)
    token = login(client, container, "warehouse")
    before = row_counts(container.engine)
    resp = client.post(f"/purchasing/orders/{po['id']}/receive",
                       data={"csrf_token": token, f"qty-{po['lines'][0]['id']}": ""})
    assert resp.status_code == 422
    assert "Enter the quantity that arrived for at least one line" in resp.text
    assert row_counts(container.engine) == before


def test_submit_then_cancel_from_the_page(api: Api, client: TestClient,
                                          container: Container) -> None:
    _below_reorder_point(api)
    api.ok(api.post("/purchase-orders/replenish"))
    po = _po(api)
    token = login(client, container, "admin")
    submitted = client.post(f"/purchasing/orders/{po['id']}/submit",
                            data={"csrf_token": token}, follow_redirects=False)
    assert submitted.status_code == 303
    assert _po(api)["status"] == "ordered"
    page = client.get(f"/purchasing/orders/{po['id']}")
    assert "Submit to supplier" not in page.text
    assert "Cancel purchase order" in page.text
    client.post(f"/purchasing/orders/{po['id']}/cancel",
                data={"csrf_token": token, "reason": "supplier closed"})
    assert _po(api)["status"] == "cancelled"
    before = row_counts(container.engine)
    late = client.post(f"/purchasing/orders/{po['id']}/submit", data={"csrf_token": token})
    assert late.status_code == 422
    assert "a cancelled purchase order cannot become ordered" in late.text
    assert row_counts(container.engine) == before


def test_suppliers_offers_and_rules_are_created_from_their_forms(
        api: Api, client: TestClient, container: Container) -> None:
    tee = api.product("TEE", currency="USD")
    wh = api.location("WH-A")
    token = login(client, container, "warehouse")
    made = client.post("/purchasing/suppliers", data={
        "csrf_token": token, "name": "Kain Jaya", "email": "Sales@Kain.example",
        "currency": "usd"}, follow_redirects=False)
    assert made.status_code == 303
    sup = api.ok(api.get("/suppliers"))["items"][0]
    assert (sup["name"], sup["email"], sup["currency"]) == (
        "Kain Jaya", "sales@kain.example", "USD")
    offer = client.post("/purchasing/offers", data={
        "csrf_token": token, "supplier_id": sup["id"], "sku": "TEE", "price": "4.50",
        "currency": "USD", "lead_time_days": "3", "min_order_qty": "6"}, follow_redirects=False)
    assert offer.status_code == 303
    listed = client.get(offer.headers["location"])
    assert '<td class="num">4.50 <small>USD</small></td>' in listed.text
    rule = client.post("/purchasing/rules", data={
        "csrf_token": token, "sku": "TEE", "location_id": wh["id"], "reorder_point": "5",
        "reorder_qty": "12"}, follow_redirects=False)
    assert rule.status_code == 303
    assert api.ok(api.get("/reorder-rules"))["items"] == [{
        "sku": "TEE", "product_id": tee["id"], "location_id": wh["id"], "reorder_point": 5,
        "reorder_qty": 12}]


def test_bad_supplier_and_offer_input_is_shown_beside_the_fields(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE", currency="USD")
    sup = api.ok(api.post("/suppliers", {"name": "Kain Jaya", "currency": "USD"}), 201)
    token = login(client, container, "admin")
    before = row_counts(container.engine)
    dup = client.post("/purchasing/suppliers", data={
        "csrf_token": token, "name": "Kain Jaya", "currency": "USD"})
    assert dup.status_code == 422
    assert 'id="name-error" role="alert">supplier name must be unique</small>' in dup.text
    bad = client.post("/purchasing/offers", data={
        "csrf_token": token, "supplier_id": sup["id"], "sku": "TEE", "price": "four",
        "currency": "USD", "lead_time_days": "3"})
    assert bad.status_code == 422
    assert ('id="price-error" role="alert">“four” is not an amount: type it as 50,000.00.'
            '</small>'
            in bad.text)
    wrong = client.post("/purchasing/offers", data={
        "csrf_token": token, "supplier_id": sup["id"], "sku": "TEE", "price": "4.00",
        "currency": "EUR", "lead_time_days": "3"})
    assert wrong.status_code == 422
    assert 'id="currency-error" role="alert">the product trades in USD, not EUR' in wrong.text
    assert row_counts(container.engine) == before


def test_a_clerk_has_no_purchasing_pages(api: Api, client: TestClient,
                                         container: Container) -> None:
    _below_reorder_point(api)
    token = login(client, container, "clerk")
    assert 'href="/purchasing"' not in client.get("/").text
    assert client.get("/purchasing").status_code == 403
    before = row_counts(container.engine)
    assert client.post("/purchasing/replenish", data={"csrf_token": token}).status_code == 403
    assert row_counts(container.engine) == before


def test_replenish_without_the_csrf_token_is_refused(api: Api, client: TestClient,
                                                     container: Container) -> None:
    _below_reorder_point(api)
    login(client, container, "warehouse")
    before = row_counts(container.engine)
    assert client.post("/purchasing/replenish").status_code == 403
    assert row_counts(container.engine) == before


def test_an_unknown_purchase_order_is_a_404_page(client: TestClient,
                                                 container: Container) -> None:
    login(client, container, "warehouse")
    page = client.get("/purchasing/orders/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404
    assert "Purchase order not found" in page.text
