"""The console's new-order screen (phone and POS): customer, products with live stock, cart,
place — driven through TestClient on both databases."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login

HX = {"HX-Request": "true"}


def _shop(api: Api, tees: int = 10) -> dict[str, Any]:
    """TEE at 10.00 + 10% tax with `tees` in the warehouse, a store, and a customer."""
    api.product("TEE", price="10.00", tax_rate="0.10")
    wh = api.location("WH1", kind="warehouse")
    store = api.location("ST1", kind="store")
    if tees:
        api.stock("TEE", wh["id"], tees)
    return {"wh": wh, "store": store, "customer": api.customer("Ada Buyer")}


def _place(client: TestClient, csrf: str, **fields: Any) -> Any:
    return client.post("/orders/new", data={"csrf_token": csrf, **fields},
                       follow_redirects=False)


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', html)
    assert m, f"no element #{element_id}"
    return m.group(1).strip()


def test_a_clerk_places_a_phone_order_keyed_by_them_from_the_form(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "clerk")
    page = client.get("/orders/new")
    assert page.status_code == 200
    for label in ("Find customer", "Find product", "Place order", "Payment preference"):
        assert label in page.text
    resp = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"],
                  customer_id=shop["customer"]["id"], sku="TEE", quantity="3")
    assert resp.status_code == 303
    order_id = resp.headers["location"].removeprefix("/orders/")
    order = api.ok(api.get(f"/orders/{order_id}"))
    assert (order["channel"], order["keyed_by"], order["keyed_at_location_id"]) == (
        "phone", "Test clerk", shop["wh"]["id"])
    assert order["customer_id"] == shop["customer"]["id"]
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [("TEE", 3)]
    assert (order["subtotal"], order["tax_total"], order["total"]) == ("30.00", "3.00", "33.00")
    assert api.level("TEE", shop["wh"]["id"])["reserved"] == 3


def test_a_pos_sale_defaults_to_a_store_and_records_it(api: Api, client: TestClient,
                                                      container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "admin")
    field = client.get("/orders/new/keyed-at", params={"channel": "pos"}, headers=HX).text
    assert re.search(rf'<option value="{shop["store"]["id"]}" selected>', field)
    resp = _place(client, csrf, channel="pos", keyed_at_location_id=shop["store"]["id"],
                  customer_id=shop["customer"]["id"], sku="TEE", quantity="1")
    assert resp.status_code == 303
    order = api.ok(api.get(f"/orders/{resp.headers['location'].removeprefix('/orders/')}"))
    assert (order["channel"], order["keyed_by"], order["keyed_at_location_id"]) == (
        "pos", "Test admin", shop["store"]["id"])


def test_a_new_customer_is_created_inline_and_becomes_the_orders_customer(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "clerk")
    resp = client.post("/orders/new/customer", headers=HX, data={
        "csrf_token": csrf, "name": "Budi Santoso", "email": "Budi@Example.com",
        "phone": "+62 812 0000", "payment_preference": "cod", "address_line1": "Jl. Melati 4",
        "address_city": "Bandung", "address_postal_code": "40115", "address_country": "id"})
    assert resp.status_code == 200
    assert "New customer saved." in resp.text
    made = api.ok(api.get("/customers", q="budi"))["items"]
    assert [(c["name"], c["email"], c["phone"], c["payment_preference"]) for c in made] == [
        ("Budi Santoso", "budi@example.com", "+62 812 0000", "cod")]
    assert f'name="customer_id" value="{made[0]["id"]}"' in resp.text
    profile = api.ok(api.get(f"/customers/{made[0]['id']}"))
    assert [(a["line1"], a["city"], a["country"]) for a in profile["addresses"]] == [
        ("Jl. Melati 4", "Bandung", "ID")]
    placed = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"],
                    customer_id=made[0]["id"], sku="TEE", quantity="1")
    assert placed.status_code == 303
    order_id = placed.headers["location"].removeprefix("/orders/")
    assert api.ok(api.get(f"/orders/{order_id}"))["customer_id"] == made[0]["id"]


def test_a_bad_inline_customer_shows_messages_beside_the_fields_and_saves_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    csrf = login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = client.post("/orders/new/customer", headers=HX, data={
        "csrf_token": csrf, "name": "  ", "email": "not-an-email", "payment_preference": "card",
        "address_line1": "Jl. Melati 4"})
    assert resp.status_code == 422
    assert 'id="name-error"' in resp.text
    assert _text(resp.text, "email-error").startswith("Not a valid email address.")
    assert _text(resp.text, "addresses-0-city-error") == "Needed when an address is given"
    assert 'value="not-an-email"' in resp.text
    assert row_counts(container.engine) == before


def test_a_second_customer_with_the_same_email_is_refused_beside_the_email(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    api.customer("Ada Again", email="ada@example.com")
    csrf = login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = client.post("/orders/new/customer", headers=HX, data={
        "csrf_token": csrf, "name": "Ada Copy", "email": "ada@example.com",
        "payment_preference": "card"})
    assert resp.status_code == 422
    assert _text(resp.text, "email-error") == "email must be unique"
    assert row_counts(container.engine) == before


def test_an_out_of_stock_line_shows_the_message_beside_it_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api, tees=1)
    api.product("MUG", price="5.00", tax_rate="0")
    api.stock("MUG", shop["wh"]["id"], 4)
    csrf = login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"],
                  customer_id=shop["customer"]["id"], sku=["MUG", "TEE"], quantity=["2", "5"])
    assert resp.status_code == 422
    assert _text(resp.text, "line-1-error") == "SKU TEE: 5 requested, 1 available"
    assert "The order was not placed. SKU TEE: 5 requested, 1 available" in resp.text
    assert 'id="line-0-error"' not in resp.text
    assert re.search(r'id="qty-TEE"[^>]*value="5"[^>]*aria-invalid="true"', resp.text, re.S)
    # The rest of the form survives: the customer stays chosen, the cart keeps its lines.
    assert f'name="customer_id" value="{shop["customer"]["id"]}"' in resp.text
    assert _text(resp.text, "cart-total") == "65.00"
    assert row_counts(container.engine) == before
    assert api.level("TEE", shop["wh"]["id"])["reserved"] == 0


def test_placing_without_a_customer_or_products_says_what_is_missing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"])
    assert resp.status_code == 422
    assert _text(resp.text, "customer_id-error") == "Find or create the customer first."
    assert _text(resp.text, "lines-error") == "Add at least one product."
    assert row_counts(container.engine) == before


def test_a_quantity_that_is_not_a_whole_number_is_shown_beside_its_line(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"],
                  customer_id=shop["customer"]["id"], sku="TEE", quantity="0")
    assert resp.status_code == 422
    assert _text(resp.text, "line-0-error") == "Enter a whole number of 1 or more"
    assert row_counts(container.engine) == before


def test_placing_without_the_csrf_token_is_refused_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    login(client, container, "clerk")
    before = row_counts(container.engine)
    resp = client.post("/orders/new", data={
        "channel": "phone", "keyed_at_location_id": shop["wh"]["id"],
        "customer_id": shop["customer"]["id"], "sku": "TEE", "quantity": "1"})
    assert resp.status_code == 403
    assert row_counts(container.engine) == before


def test_a_warehouse_user_gets_the_not_allowed_page(api: Api, client: TestClient,
                                                    container: Container) -> None:
    shop = _shop(api)
    csrf = login(client, container, "warehouse")
    assert client.get("/orders/new").status_code == 403
    assert "Your role does not give access to this page." in client.get("/orders/new").text
    before = row_counts(container.engine)
    resp = _place(client, csrf, channel="phone", keyed_at_location_id=shop["wh"]["id"],
                  customer_id=shop["customer"]["id"], sku="TEE", quantity="1")
    assert resp.status_code == 403
    assert row_counts(container.engine) == before


def test_product_search_shows_price_and_live_stock_summed_over_locations(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api, tees=7)
    api.stock("TEE", shop["store"]["id"], 5)
    api.order(shop["customer"]["id"], [("TEE", 2)])
    api.product("TEE-XL", price="12.50", tax_rate="0")
    api.product("A-TEE-BAG", price="3.00", tax_rate="0")
    login(client, container, "clerk")
    resp = client.get("/orders/new/products", params={"product_q": "tee"}, headers=HX)
    assert resp.status_code == 200
    # The exact SKU first (a scanned code is the top hit), then the rest by SKU.
    assert re.findall(r"<button[^>]*>Add ([^<]+)<", resp.text) == ["TEE", "A-TEE-BAG", "TEE-XL"]
    assert _text(resp.text, "available-TEE") == "10"
    assert "12.50" in resp.text
    assert "out of stock" in resp.text.split('id="available-TEE-XL"')[1].split("</td>")[0]
    none = client.get("/orders/new/products", params={"product_q": "sock"}, headers=HX)
    assert "No product for sale matches “sock”." in none.text


def test_the_cart_is_priced_with_the_order_rules_and_kept_in_the_form(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    api.product("MUG", price="7.50", tax_rate="0.11")
    api.stock("MUG", shop["wh"]["id"], 1)
    login(client, container, "clerk")
    resp = client.get("/orders/new/cart", headers=HX,
                      params=[("sku", "TEE"), ("quantity", "2"), ("add", "MUG")])
    assert resp.status_code == 200
    # MUG: 7.50 x 1 = 7.50, tax 0.825 rounds half-up to 0.83 per line.
    assert re.findall(r'name="sku" value="([^"]+)"', resp.text) == ["TEE", "MUG"]
    assert (_text(resp.text, "cart-subtotal"), _text(resp.text, "cart-tax"),
            _text(resp.text, "cart-total")) == ("27.50", "2.83", "30.33")
    again = client.get("/orders/new/cart", headers=HX, params=[
        ("sku", "TEE"), ("quantity", "2"), ("sku", "MUG"), ("quantity", "1"), ("add", "MUG")])
    assert re.search(r'id="qty-MUG"[^>]*value="2"', again.text, re.S)
    assert "Only 1 available" in again.text
    removed = client.get("/orders/new/cart", headers=HX, params=[
        ("sku", "TEE"), ("quantity", "2"), ("sku", "MUG"), ("quantity", "1"),
        ("remove", "TEE")])
    assert re.findall(r'name="sku" value="([^"]+)"', removed.text) == ["MUG"]
    assert _text(removed.text, "cart-total") == "8.33"


def test_customer_search_shows_each_matchs_orders_value_and_payment_preference(
        api: Api, client: TestClient, container: Container) -> None:
    shop = _shop(api)
    api.order(shop["customer"]["id"], [("TEE", 2)])
    api.customer("Adam Other", payment_preference="bank_transfer")
    api.customer("Zed Nobody")
    login(client, container, "clerk")
    resp = client.get("/orders/new/customers", params={"customer_q": "ada"}, headers=HX)
    assert resp.status_code == 200
    assert "Zed Nobody" not in resp.text
    text = re.sub(r"\s+", " ", resp.text)
    assert "Ada Buyer" in text and "1 order · 22.00 USD · pays by card" in text
    assert "Adam Other" in text and "0 orders · nothing bought yet · pays by bank transfer" in text
    chosen = client.get("/orders/new/customer", params={"customer_id": shop["customer"]["id"]},
                        headers=HX)
    assert f'name="customer_id" value="{shop["customer"]["id"]}"' in chosen.text
    assert _text(chosen.text, "customer-order-count") == "1"
