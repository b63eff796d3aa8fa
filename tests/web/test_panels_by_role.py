"""Console panels and fields by role: money (revenue, order amounts, invoices, payments) only
for roles with billing:read, customer contact data only with customers:read. The warehouse
sees the goods, the accountant and the admin the money."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.web.helpers import login

EMAIL = "ada.buyer@example.com"
# TEE at 123.45 + 10% tax (12.35, half-up): an order total that appears nowhere else.
PRICE, TOTAL = "123.45", "135.80"


def _paid_order(api: Api) -> dict[str, Any]:
    api.product("TEE", price=PRICE, tax_rate="0.10")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer("Ada", email=EMAIL)["id"], [("TEE", 1)])
    assert order["total"] == TOTAL
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": "100.00", "method": "bank_transfer"}), 201)
    return order


def test_the_warehouse_dashboard_shows_no_revenue_and_no_invoices(
        api: Api, client: TestClient, container: Container) -> None:
    _paid_order(api)
    login(client, container, "warehouse")
    for path in ("/", "/dashboard/cards"):
        html = client.get(path).text
        assert "Orders today" in html and "Low stock" in html
        assert "Revenue today" not in html and TOTAL not in html
        assert "Unpaid invoices" not in html and "35.80" not in html and "INV-" not in html


@pytest.mark.parametrize("role", ["accountant", "admin"])
def test_the_dashboard_shows_revenue_and_invoices_to_roles_that_read_billing(
        api: Api, client: TestClient, container: Container, role: str) -> None:
    _paid_order(api)
    login(client, container, role)
    html = client.get("/").text
    assert "Revenue today" in html and TOTAL in html
    # A consumer's invoice is due on issue: 135.80 invoiced, 100.00 paid, 35.80 owed.
    assert "Unpaid invoices past due (1)" in html and "35.80 USD" in html


def test_the_warehouse_order_page_shows_goods_but_no_money_and_no_contact(
        api: Api, client: TestClient, container: Container) -> None:
    order = _paid_order(api)
    login(client, container, "warehouse")
    html = client.get(f"/orders/{order['id']}").text
    assert order["number"] in html and "TEE" in html and "Ada" in html
    for hidden in (PRICE, TOTAL, "12.35", "100.00", "Balance due", "Invoices and payments",
                   "INV-", "bank transfer", EMAIL, f'href="/customers/{order["customer_id"]}"',
                   "pays by"):
        assert hidden not in html, hidden
    listing = client.get("/orders").text
    assert order["number"] in listing and TOTAL not in listing


@pytest.mark.parametrize("role", ["accountant", "admin"])
def test_the_order_page_shows_money_and_contact_to_roles_that_read_them(
        api: Api, client: TestClient, container: Container, role: str) -> None:
    order = _paid_order(api)
    login(client, container, role)
    html = client.get(f"/orders/{order['id']}").text
    for shown in (PRICE, TOTAL, "Balance due", "Invoices and payments", "INV-",
                  "bank transfer", EMAIL, f'href="/customers/{order["customer_id"]}"'):
        assert shown in html, shown
    assert TOTAL in client.get("/orders").text


def test_the_warehouse_hold_queue_shows_no_order_totals(
        api: Api, client: TestClient, container: Container) -> None:
    api.ok(api.post("/hold-rules", {"kind": "order_total_above",
                                    "parameters": {"limits": {"USD": "99.00"}}}), 201)
    order = _paid_order(api)
    login(client, container, "warehouse")
    html = client.get("/holds").text
    assert order["number"] in html and "order total … USD is above the limit … USD" in html
    assert TOTAL not in html and "99.00" not in html
    login(client, container, "accountant")
    html = client.get("/holds").text
    assert f"order total {TOTAL} USD is above the limit 99.00 USD" in html


def test_the_warehouse_sees_revisions_without_their_totals(
        api: Api, client: TestClient, container: Container) -> None:
    order = _paid_order(api)
    line = order["lines"][0]["id"]
    api.ok(api.post(f"/orders/{order['id']}/edits", {"changes": [
        {"op": "set_quantity", "line_id": line, "quantity": 2}]}))
    # 2 x 123.45 = 246.90 + 10% tax 24.69 = 271.59; 100.00 paid, so 171.59 due.
    login(client, container, "warehouse")
    section = client.get(f"/orders/{order['id']}/changes").text
    assert "Revision 1" in section
    for hidden in (TOTAL, "271.59", "171.59", "balance due"):
        assert hidden not in section, hidden
    timeline = client.get(f"/orders/{order['id']}").text
    assert "TEE 1 → 2" in timeline and "271.59" not in timeline
    login(client, container, "accountant")
    section = client.get(f"/orders/{order['id']}/changes").text
    assert f"Total {TOTAL} → 271.59 USD" in section and "balance due 171.59" in section
