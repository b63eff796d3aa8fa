"""The console's product pages: list, create, edit (with the version it was read at),
deactivate and reactivate; refusals beside the field with nothing changed; role checks."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _new(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "sku": "KOPI-250", "currency": "IDR", "name": "Kopi Toraja",
            "price": "85000", "tax_rate": "0.11", "standard_cost": "40000",
            "oversell_policy": "deny", "backorder_limit": "0", **fields}


def test_an_admin_creates_a_product_from_the_form(api: Api, client: TestClient,
                                                  container: Container) -> None:
    token = login(client, container, "admin")
    assert "Create product" in client.get("/products/new").text
    resp = client.post("/products", data=_new(token), follow_redirects=False)
    assert resp.status_code == 303, resp.text
    [p] = api.ok(api.get("/products"))["items"]
    assert resp.headers["location"] == f"/products/{p['id']}?saved=created"
    assert (p["sku"], p["name"], p["price"], p["currency"], p["tax_rate"],
            p["standard_cost"], p["active"], p["version"]) == (
        "KOPI-250", "Kopi Toraja", "85000.00", "IDR", "0.11", "40000.00", True, 1)
    listed = client.get("/products").text
    assert f'<a href="/products/{p["id"]}">KOPI-250</a>' in listed
    assert "85,000 IDR" in listed


def test_a_bad_price_and_tax_rate_are_refused_beside_their_fields(
        api: Api, client: TestClient, container: Container) -> None:
    token = login(client, container, "admin")
    before = snapshot(container.engine)
    resp = client.post("/products", data=_new(token, price="abc", standard_cost="-"))
    assert resp.status_code == 422
    # The wording is web/forms.py's (the amount parser's): here only that it stands there.
    assert re.search(r'id="price-error" role="alert">[^<]+</small>', resp.text)
    assert re.search(r'id="standard_cost-error" role="alert">[^<]+</small>', resp.text)
    resp = client.post("/products", data=_new(token, tax_rate="11"))
    assert resp.status_code == 422
    assert ('id="tax_rate-error" role="alert">a tax rate is a fraction below 1: 0.11 for 11 %,'
            ' not 11</small>') in resp.text
    assert 'value="Kopi Toraja"' in resp.text  # the typed values stay in the form
    assert snapshot(container.engine) == before


def test_a_duplicate_sku_is_refused_beside_the_sku(api: Api, client: TestClient,
                                                   container: Container) -> None:
    api.product("KOPI-250", currency="IDR", price="85000")
    token = login(client, container, "admin")
    before = snapshot(container.engine)
    resp = client.post("/products", data=_new(token))
    assert resp.status_code == 422
    assert 'id="sku-error" role="alert">SKU must be unique</small>' in resp.text
    assert snapshot(container.engine) == before


def test_editing_a_product_changes_its_fields_and_version(api: Api, client: TestClient,
                                                          container: Container) -> None:
    p = api.product("TEE", currency="USD", price="10.00")
    token = login(client, container, "admin")
    page = client.get(f"/products/{p['id']}").text
    assert 'name="version" value="1"' in page
    resp = client.post(f"/products/{p['id']}", data={
        "csrf_token": token, "version": "1", "name": "Tee, black", "price": "12.50",
        "tax_rate": "0.1", "standard_cost": "4", "oversell_policy": "backorder",
        "backorder_limit": "5"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    after = api.ok(api.get(f"/products/{p['id']}"))
    assert (after["name"], after["price"], after["tax_rate"], after["standard_cost"],
            after["oversell_policy"], after["backorder_limit"], after["version"]) == (
        "Tee, black", "12.50", "0.1", "4.00", "backorder", 5, 2)
    assert "Product saved." in client.get(resp.headers["location"]).text


def test_a_stale_edit_is_refused_with_a_sentence_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    p = api.product("TEE", currency="USD", price="10.00")
    token = login(client, container, "admin")
    # Someone else saves first (through the API): the form still holds version 1.
    api.ok(api.client.patch(f"/api/v1/products/{p['id']}", json={"price": "11.00"},
                            headers=api.headers()))
    before = snapshot(container.engine)
    resp = client.post(f"/products/{p['id']}", data={
        "csrf_token": token, "version": "1", "name": "Mine", "price": "99.00",
        "tax_rate": "0", "standard_cost": "0", "oversell_policy": "deny",
        "backorder_limit": "0"})
    assert resp.status_code == 409
    assert "Someone changed this product after you opened the form. Nothing was saved" in resp.text
    assert 'name="version" value="2"' in resp.text  # the form now holds the current version
    assert 'value="11.00"' in resp.text
    assert snapshot(container.engine) == before


def test_deactivate_then_reactivate(api: Api, client: TestClient, container: Container) -> None:
    p = api.product("TEE", currency="USD")
    token = login(client, container, "admin")
    resp = client.post(f"/products/{p['id']}/deactivate",
                       data={"csrf_token": token, "version": "1"}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.ok(api.get(f"/products/{p['id']}"))["active"] is False
    assert "Product deactivated" in client.get(resp.headers["location"]).text
    resp = client.post(f"/products/{p['id']}/reactivate",
                       data={"csrf_token": token, "version": "2"}, follow_redirects=False)
    assert resp.status_code == 303
    assert api.ok(api.get(f"/products/{p['id']}"))["active"] is True


def test_a_clerk_reads_products_but_cannot_create_or_edit(api: Api, client: TestClient,
                                                          container: Container) -> None:
    p = api.product("TEE", currency="USD")
    token = login(client, container, "clerk")
    listed = client.get("/products")
    assert listed.status_code == 200 and "TEE" in listed.text
    assert "New product" not in listed.text
    assert 'action="/products/' not in client.get(f"/products/{p['id']}").text
    before = snapshot(container.engine)
    for path in ("/products/new",):
        assert client.get(path).status_code == 403
    refused = client.post("/products", data=_new(token))
    assert refused.status_code == 403
    assert "Your role does not give access to this page." in refused.text
    assert client.post(f"/products/{p['id']}/deactivate",
                       data={"csrf_token": token, "version": "1"}).status_code == 403
    assert snapshot(container.engine) == before


def test_a_post_without_the_csrf_token_is_refused(api: Api, client: TestClient,
                                                  container: Container) -> None:
    login(client, container, "admin")
    before = snapshot(container.engine)
    resp = client.post("/products", data={k: v for k, v in _new("x").items()
                                           if k != "csrf_token"})
    assert resp.status_code == 403
    assert snapshot(container.engine) == before
