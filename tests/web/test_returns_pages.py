"""Returns pages: request from the order page, receive with a disposition per line, refund;
the list; and a refused request shown beside the form with nothing changed."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login


def _delivered(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE", price="100.00", tax_rate="0.10", standard_cost="40.00")
    api.product("MUG", price="20.00", tax_rate="0.10", standard_cost="8.00")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    api.stock("MUG", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2), ("MUG", 1)])
    oid = order["id"]
    api.ok(api.post(f"/orders/{oid}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{oid}/payments", {"amount": order["total"], "method": "card"}),
           201)
    shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return order, wh


def _line(order: dict[str, Any], sku: str) -> str:
    return str(next(x["id"] for x in order["lines"] if x["sku"] == sku))


def test_a_return_is_requested_received_and_refunded_in_the_console(
        api: Api, client: TestClient, container: Container) -> None:
    order, wh = _delivered(api)
    csrf = login(client, container, "admin")
    detail = client.get(f"/orders/{order['id']}").text
    assert f'hx-get="/orders/{order["id"]}/returns"' in detail
    section = client.get(f"/orders/{order['id']}/returns").text
    assert "Request return" in section
    assert f'name="qty-{_line(order, "TEE")}"' in section

    resp = client.post(f"/orders/{order['id']}/returns", data={
        "csrf_token": csrf, f"qty-{_line(order, 'TEE')}": "1",
        f"qty-{_line(order, 'MUG')}": "1", "reason": "wrong size"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    rma_url = resp.headers["location"]
    rma = api.ok(api.get(rma_url))
    assert [(x["sku"], x["quantity"]) for x in rma["lines"]] == [("TEE", 1), ("MUG", 1)]

    assert client.post(f"{rma_url}/approve", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    page = client.get(rma_url).text
    assert "Receive goods and issue credit note" in page
    tee, mug = rma["lines"]
    resp = client.post(f"{rma_url}/receive", data={
        "csrf_token": csrf, "location_id": wh["id"], f"disposition-{tee['id']}": "restock",
        f"disposition-{mug['id']}": "scrap"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    page = client.get(rma_url).text
    assert re.search(r'id="credit-open">132\.00<', page)
    resp = client.post(f"{rma_url}/refund", data={"csrf_token": csrf, "amount": "132.00",
                                                   "method": "card"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_refunded"] == "132.00"
    assert api.level("TEE", wh["id"])["on_hand"] == 4
    listing = client.get("/returns", params={"status": "refunded"}).text
    assert rma["number"] in listing


def test_asking_for_more_than_was_delivered_shows_the_error_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    order, _ = _delivered(api)
    csrf = login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post(f"/orders/{order['id']}/returns", data={
        "csrf_token": csrf, f"qty-{_line(order, 'TEE')}": "3", "reason": "x"})
    assert resp.status_code == 422
    assert "2 delivered, 0 already on returns: at most 2 can be returned" in resp.text
    assert row_counts(container.engine) == before


def _received(api: Api) -> dict[str, Any]:
    order, wh = _delivered(api)
    rma = api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"sku": "TEE", "quantity": 1, "reason": "torn"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    api.ok(api.post(f"/returns/{rma['id']}/receive", {"location_id": wh["id"], "lines": [
        {"rma_line_id": rma["lines"][0]["id"], "disposition": "quarantine"}]}))
    return rma


def test_a_warehouse_user_sees_neither_refund_nor_exchange_nor_the_credit(
        api: Api, client: TestClient, container: Container) -> None:
    rma = _received(api)
    csrf = login(client, container, "warehouse")
    page = client.get(f"/returns/{rma['id']}").text
    assert f'action="/returns/{rma["id"]}/refund"' not in page
    assert f'action="/returns/{rma["id"]}/exchange"' not in page
    assert "Credit note" not in page and "CN-" not in page
    before = row_counts(container.engine)
    for step, data in (("refund", {"method": "card"}), ("exchange", {"sku": "MUG",
                                                                     "quantity": "1"})):
        resp = client.post(f"/returns/{rma['id']}/{step}", data={"csrf_token": csrf, **data})
        assert resp.status_code == 403, step
    assert row_counts(container.engine) == before


def test_a_clerk_may_exchange_but_not_refund_and_an_accountant_the_reverse(
        api: Api, client: TestClient, container: Container) -> None:
    rma = _received(api)
    login(client, container, "clerk")
    page = client.get(f"/returns/{rma['id']}").text
    assert f'action="/returns/{rma["id"]}/exchange"' in page
    assert f'action="/returns/{rma["id"]}/refund"' not in page
    assert "Credit note" in page
    login(client, container, "accountant")
    page = client.get(f"/returns/{rma['id']}").text
    assert f'action="/returns/{rma["id"]}/refund"' in page
    assert f'action="/returns/{rma["id"]}/exchange"' not in page
