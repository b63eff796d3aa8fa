"""The console's customer pages: a searchable list and a profile with derived history."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.web.helpers import login


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', html, re.S)
    assert m, f"no element #{element_id}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def test_the_profile_shows_contact_and_history_derived_from_orders(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE", price="10.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 20)
    ada = api.customer("Ada Buyer", email="ada@example.com", payment_preference="cod")
    first = api.order(ada["id"], [("TEE", 2)])
    second = api.order(ada["id"], [("TEE", 1)], channel="phone", keyed_by="CS Wulan",
                       keyed_at_location_id=wh["id"])
    cancelled = api.order(ada["id"], [("TEE", 5)])
    api.ok(api.post(f"/orders/{cancelled['id']}/cancel", {"reason": "changed mind"}))
    login(client, container, "clerk")
    page = client.get(f"/customers/{ada['id']}")
    assert page.status_code == 200
    html = page.text
    # Cancelled orders count for neither the order count nor the lifetime value.
    assert _text(html, "order-count") == "2"
    assert _text(html, "lifetime-value") == "33.00 USD"
    # Times on screen are in the shop's zone and say so (UTC until the shop sets one).
    assert _text(html, "last-order") == \
        f"{second['placed_at'][:10]} {second['placed_at'][11:16]} UTC"
    assert _text(html, "customer-email") == "ada@example.com"
    assert _text(html, "payment-preference") == "cod"
    assert "1 Jalan Sudirman, Jakarta, ID" in html
    linked = re.findall(r'<a href="/orders/([^"]+)">SO-', html)
    assert linked == [cancelled["id"], second["id"], first["id"]]
    assert f'href="/orders/new?customer_id={ada["id"]}"' in html


def test_a_customer_without_orders_shows_no_history(api: Api, client: TestClient,
                                                    container: Container) -> None:
    zed = api.customer("Zed Nobody")
    login(client, container, "accountant")
    html = client.get(f"/customers/{zed['id']}").text
    assert (_text(html, "order-count"), _text(html, "lifetime-value"),
            _text(html, "last-order")) == ("0", "—", "—")
    assert "No orders yet." in html
    # An accountant reads customers but takes no orders: no button for it.
    assert "/orders/new" not in html


def test_the_list_searches_by_name_email_or_phone_with_derived_columns(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE", price="10.00", tax_rate="0")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    ada = api.customer("Ada Buyer", email="ada@example.com")
    api.order(ada["id"], [("TEE", 3)])
    api.customer("Budi Santoso", email="budi@warung.co.id", payment_preference="bank_transfer")
    login(client, container, "clerk")
    everyone = client.get("/customers").text
    assert everyone.index("Budi Santoso") < everyone.index("Ada Buyer")  # newest first
    rows = client.get("/customers", params={"q": "ADA@ex"}, headers={"HX-Request": "true"})
    assert rows.status_code == 200
    assert "<table" not in rows.text  # only the rows, for HTMX to swap in
    assert "Budi Santoso" not in rows.text
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", rows.text, re.S)]
    assert cells[:4] == ["Ada Buyer ada@example.com", "B2C pays by card", "1", "30.00 USD"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[4])
    assert len(cells) == 5
    by_pref = client.get("/customers", params={"q": "warung.co"}).text
    assert "bank transfer" in by_pref and "Ada Buyer" not in by_pref
    nobody = client.get("/customers", params={"q": "qqq"}).text
    assert "No customer matches “qqq”." in nobody


def test_the_list_pages_by_cursor(api: Api, client: TestClient, container: Container) -> None:
    made = [api.customer(f"Customer {i:02d}")["id"] for i in range(51)]
    login(client, container, "clerk")
    first = client.get("/customers").text
    assert len(re.findall(r'<a href="/customers/', first)) == 50
    assert f'href="/customers/{made[0]}"' not in first
    more = re.search(r'hx-get="(/customers\?cursor=[^"]+)"', first)
    assert more
    rest = client.get(more.group(1), headers={"HX-Request": "true"}).text
    assert re.findall(r'<a href="/customers/([^"]+)"', rest) == [made[0]]
    assert "Load more" not in rest


def test_a_warehouse_user_gets_the_not_allowed_page(client: TestClient,
                                                    container: Container) -> None:
    login(client, container, "warehouse")
    resp = client.get("/customers")
    assert resp.status_code == 403
    assert "Your role does not give access to this page." in resp.text


def test_an_unknown_customer_gets_a_not_found_page(client: TestClient,
                                                   container: Container) -> None:
    login(client, container, "clerk")
    resp = client.get("/customers/0190aaaa-0000-7000-8000-000000000000")
    assert resp.status_code == 404
    assert "Customer not found" in resp.text
