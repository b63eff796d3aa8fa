"""Manual purchase orders on the console: a draft for a supplier with its first line, lines
added, changed and removed while it is a draft, then submitted; refusals beside the field with
nothing changed; the same line commands through the API; a PDF link for printing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _shop(api: Api) -> dict[str, Any]:
    """TEE and MUG in USD, a warehouse, a USD supplier offering TEE at 4.00."""
    api.product("TEE", currency="USD")
    api.product("MUG", currency="USD")
    wh = api.location("WH-A")
    sup = api.ok(api.post("/suppliers", {"name": "Kain Jaya", "currency": "USD"}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": sup["id"], "sku": "TEE",
                                         "price": "4.00", "currency": "USD",
                                         "lead_time_days": 3}), 201)
    return {"wh": wh, "supplier": sup}


def _only_po(api: Api) -> dict[str, Any]:
    [po] = api.ok(api.get("/purchase-orders"))["items"]
    return api.ok(api.get(f"/purchase-orders/{po['id']}"))


def _create(client: TestClient, token: str, shop: dict[str, Any], **line: str) -> Any:
    return client.post("/purchasing/orders", follow_redirects=False, data={
        "csrf_token": token, "supplier_id": shop["supplier"]["id"],
        "location_id": shop["wh"]["id"], **line})


def test_a_manual_draft_is_created_edited_and_submitted(api: Api, client: TestClient,
                                                        container: Container) -> None:
    shop = _shop(api)
    token = login(client, container, "warehouse")
    assert 'href="/purchasing/new"' in client.get("/purchasing").text
    assert "Kain Jaya (USD)" in client.get("/purchasing/new").text
    resp = _create(client, token, shop, sku="TEE", quantity="10")  # cost from the offer
    assert resp.status_code == 303, resp.text
    po = _only_po(api)
    assert resp.headers["location"] == f"/purchasing/orders/{po['id']}"
    assert (po["status"], po["total"], [(x["sku"], x["quantity"], x["unit_cost"])
                                        for x in po["lines"]]) == (
        "draft", "40.00", [("TEE", 10, "4.00")])
    page = client.get(resp.headers["location"]).text
    assert 'id="draft-lines"' in page
    assert f'href="/documents/purchase-orders/{po["id"]}.pdf"' in page
    base = f"/purchasing/orders/{po['id']}"
    # Add MUG at a typed cost, change TEE, then remove MUG.
    assert client.post(f"{base}/lines", follow_redirects=False, data={
        "csrf_token": token, "add-sku": "MUG", "add-quantity": "3",
        "add-unit_cost": "2.50"}).status_code == 303
    po = _only_po(api)
    assert (po["total"], sorted((x["sku"], x["quantity"], x["unit_cost"])
                                for x in po["lines"])) == (
        "47.50", [("MUG", 3, "2.50"), ("TEE", 10, "4.00")])
    tee = next(x for x in po["lines"] if x["sku"] == "TEE")
    mug = next(x for x in po["lines"] if x["sku"] == "MUG")
    assert client.post(f"{base}/lines/{tee['id']}", follow_redirects=False, data={
        "csrf_token": token, f"edit-{tee['id']}-quantity": "12",
        f"edit-{tee['id']}-unit_cost": "3.75"}).status_code == 303
    assert _only_po(api)["total"] == "52.50"
    assert client.post(f"{base}/lines/{mug['id']}/remove", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    po = _only_po(api)
    assert (po["total"], [(x["sku"], x["quantity"], x["unit_cost"]) for x in po["lines"]]) == (
        "45.00", [("TEE", 12, "3.75")])
    # Submit: the draft editor goes away, the lines no longer change.
    assert client.post(f"{base}/submit", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    after = client.get(base).text
    assert 'id="draft-lines"' not in after
    before = snapshot(container.engine)
    refused = client.post(f"{base}/lines", data={
        "csrf_token": token, "add-sku": "MUG", "add-quantity": "1", "add-unit_cost": "1"})
    assert refused.status_code == 422
    assert "only a draft" in refused.text
    assert snapshot(container.engine) == before


def test_bad_new_order_input_is_refused_beside_the_field(api: Api, client: TestClient,
                                                         container: Container) -> None:
    shop = _shop(api)
    token = login(client, container, "warehouse")
    before = snapshot(container.engine)
    cases = [
        ({"sku": "NOPE", "quantity": "1", "unit_cost": "1"}, "sku", "no product with SKU NOPE"),
        ({"sku": "MUG", "quantity": "1"}, "unit_cost", "the supplier has no offer for MUG"),
        ({"sku": "TEE", "quantity": "0"}, "quantity", "greater than 0"),
        ({"sku": "TEE", "quantity": "2", "unit_cost": "abc"}, "unit_cost", ""),
    ]
    for line, field, words in cases:
        resp = _create(client, token, shop, **line)
        assert resp.status_code == 422, (line, resp.text)
        assert f'id="{field}-error" role="alert">' in resp.text, line
        assert words in resp.text, line
    assert snapshot(container.engine) == before


def test_bad_line_edits_are_refused_beside_the_field(api: Api, client: TestClient,
                                                     container: Container) -> None:
    shop = _shop(api)
    token = login(client, container, "warehouse")
    _create(client, token, shop, sku="TEE", quantity="10")
    po = _only_po(api)
    base = f"/purchasing/orders/{po['id']}"
    tee = po["lines"][0]
    before = snapshot(container.engine)
    resp = client.post(f"{base}/lines", data={"csrf_token": token, "add-sku": "TEE",
                                              "add-quantity": "1"})
    assert resp.status_code == 422
    assert 'id="add-sku-error" role="alert">SKU TEE is already on the order' in resp.text
    resp = client.post(f"{base}/lines/{tee['id']}", data={
        "csrf_token": token, f"edit-{tee['id']}-quantity": "-3"})
    assert resp.status_code == 422
    assert f'id="edit-{tee["id"]}-quantity-error" role="alert">' in resp.text
    resp = client.post(f"{base}/lines/{tee['id']}/remove", data={"csrf_token": token})
    assert resp.status_code == 422
    assert "This is the order&#39;s only line: cancel the order instead." in resp.text
    assert snapshot(container.engine) == before


def test_the_api_edits_a_draft_the_same_way(api: Api) -> None:
    shop = _shop(api)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": shop["supplier"]["id"], "location_id": shop["wh"]["id"],
        "lines": [{"sku": "TEE", "quantity": 5}]}), 201)
    added = api.ok(api.post(f"/purchase-orders/{po['id']}/lines",
                            {"sku": "MUG", "quantity": 2, "unit_cost": "1.25"}), 201)
    assert added["total"] == "22.50"
    mug = next(x for x in added["lines"] if x["sku"] == "MUG")
    h = api.headers()
    changed = api.ok(api.client.patch(f"/api/v1/purchase-orders/{po['id']}/lines/{mug['id']}",
                                      json={"quantity": 4}, headers=h))
    assert changed["total"] == "25.00"
    removed = api.ok(api.client.delete(
        f"/api/v1/purchase-orders/{po['id']}/lines/{mug['id']}", headers=h))
    assert (removed["total"], [x["sku"] for x in removed["lines"]]) == ("20.00", ["TEE"])
    last = api.client.delete(
        f"/api/v1/purchase-orders/{po['id']}/lines/{removed['lines'][0]['id']}", headers=h)
    assert last.status_code == 409
    assert last.headers["content-type"].startswith("application/problem+json")


def test_a_clerk_cannot_draft_a_purchase_order(api: Api, client: TestClient,
                                               container: Container) -> None:
    shop = _shop(api)
    token = login(client, container, "clerk")
    assert client.get("/purchasing/new").status_code == 403
    before = snapshot(container.engine)
    assert _create(client, token, shop, sku="TEE", quantity="1").status_code == 403
    assert snapshot(container.engine) == before
