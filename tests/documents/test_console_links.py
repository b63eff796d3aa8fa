"""The console's "Download PDF" links: on the invoice, purchase order, fulfilment order, pick
list and customer pages, each serving the same PDF as the API behind the console's login."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.documents.helpers import LEGAL_NAME, set_shop, text_of
from tests.factories import Api
from tests.web.helpers import login


def _order(api: Api) -> dict[str, Any]:
    set_shop(api)
    api.product("LAMP", price="1250.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("LAMP", wh["id"], 5)
    order = api.order(api.customer("Ayu")["id"], [("LAMP", 2)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    return order


def _link(html: str, element_id: str) -> str:
    m = re.search(rf'<a[^>]*href="([^"]+)"[^>]*id="{element_id}"', html)
    assert m, f"no link #{element_id} on the page"
    return m.group(1)


def _download(client: TestClient, page: str, element_id: str) -> str:
    html = client.get(page)
    assert html.status_code == 200, html.text
    resp = client.get(_link(html.text, element_id))
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"] == "application/pdf"
    return text_of(resp.content)


def test_the_invoice_page_links_its_pdf(api: Api, client: TestClient,
                                        container: Container) -> None:
    inv = api.ok(api.get("/invoices", order_id=_order(api)["id"]))["items"][0]
    login(client, container, "accountant")
    text = _download(client, f"/billing/invoices/{inv['id']}", "invoice-pdf")
    assert LEGAL_NAME in text and inv["number"] in text


def test_the_fulfilment_order_page_links_its_delivery_note(
        api: Api, client: TestClient, container: Container) -> None:
    order = _order(api)
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    login(client, container, "warehouse")
    text = _download(client, f"/fulfilment/{fo['id']}", "delivery-note-pdf")
    assert "DELIVERY NOTE" in text and fo["number"] in text


def test_the_customer_page_links_the_statement_for_those_who_read_billing(
        api: Api, client: TestClient, container: Container) -> None:
    order = _order(api)
    login(client, container, "accountant")
    text = _download(client, f"/customers/{order['customer_id']}", "statement-pdf")
    assert "STATEMENT OF ACCOUNT" in text and "Ayu" in text


def test_a_console_pdf_needs_a_login_and_the_page_permission(
        api: Api, client: TestClient, container: Container) -> None:
    inv = api.ok(api.get("/invoices", order_id=_order(api)["id"]))["items"][0]
    anonymous = client.get(f"/documents/invoices/{inv['id']}.pdf", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, container, "warehouse")
    assert client.get(f"/documents/invoices/{inv['id']}.pdf").status_code == 403
    assert client.get("/documents/purchase-orders/nope.pdf").status_code == 404


def test_the_purchase_order_page_links_its_pdf(api: Api, client: TestClient,
                                               container: Container) -> None:
    set_shop(api)
    lamp = api.product("LAMP", price="1250.00")
    wh = api.location("WH1")
    supplier = api.ok(api.post("/suppliers", {"name": "CV Lampu Terang", "currency": "USD"}),
                      201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": wh["id"],
        "lines": [{"sku": lamp["sku"], "quantity": 4, "unit_cost": "700.00"}]}), 201)
    login(client, container, "warehouse")
    text = _download(client, f"/purchasing/orders/{po['id']}", "po-pdf")
    assert "CV Lampu Terang" in text and po["number"] in text
