"""Billing pages: the invoice list and its filters, payments, the printable invoice."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.web.helpers import login


def _shop(api: Api) -> dict[str, Any]:
    api.product("LAMP", price="1250.00", tax_rate="0.10", standard_cost="400.00")
    wh = api.location()
    api.stock("LAMP", wh["id"], 20)
    return wh


def _b2b(api: Api, name: str) -> dict[str, Any]:
    """A business customer: its invoices fall due 30 days after issue."""
    return api.ok(api.post("/customers", {
        "name": name, "email": f"{name.split()[0].lower()}@example.com", "kind": "b2b",
        "payment_preference": "invoice",
        "addresses": [
            {"kind": "billing", "line1": "Jl. Gatot Subroto 5", "city": "Jakarta",
             "postal_code": "12930", "country": "ID"},
            {"kind": "shipping", "line1": "Gudang 7", "city": "Bekasi", "country": "ID"},
        ],
    }), 201)


def _invoiced(api: Api, customer_id: str, quantity: int, pay: str | None = None
              ) -> dict[str, Any]:
    order = api.order(customer_id, [("LAMP", quantity)])
    invoice = api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    if pay:
        api.ok(api.post(f"/orders/{order['id']}/payments",
                        {"amount": pay, "method": "bank_transfer", "reference": "TRX-1"}), 201)
    return {"order": order, "invoice": invoice}


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert m, f"no #{element_id} on the page"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def _invoice_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/billing/invoices/[^"]+">(INV-\d{4}-\d{6})</a>', html)


def test_the_printable_invoice_shows_its_number_and_exact_amounts(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    buyer = _b2b(api, "Toko Terang")
    made = _invoiced(api, buyer["id"], 3, pay="1000.00")
    inv = made["invoice"]
    login(client, container, "accountant")

    page = client.get(f"/billing/invoices/{inv['id']}")

    assert page.status_code == 200
    html = page.text
    assert _text(html, "invoice-number") == inv["number"]
    assert re.fullmatch(r"INV-\d{4}-000001", inv["number"])
    assert "Pesanan demo shop" in html
    assert "<strong>Toko Terang</strong>" in html
    assert "Jl. Gatot Subroto 5" in html and "12930 Jakarta" in html  # billing address
    assert "Gudang 7" in html and "Bekasi" in html  # shipping address
    assert _text(html, "issue-date") == inv["issued_at"][:10]
    assert _text(html, "due-date") == inv["due_at"][:10]
    assert inv["due_at"][:10] != inv["issued_at"][:10]  # b2b: 30 days of credit
    line = ('<td class="num">3</td><td class="num">1,250.00</td><td class="num">3,750.00</td>'
            '<td class="num">10%</td><td class="num">375.00</td><td class="num">4,125.00</td>')
    assert line in html
    assert _text(html, "subtotal") == "3,750.00"
    assert _text(html, "tax-total") == "375.00"
    assert _text(html, "total") == "4,125.00 USD"
    assert _text(html, "amount-paid") == "1,000.00"
    assert _text(html, "balance-due") == "3,125.00 USD"
    assert '<button type="button" onclick="window.print()">Print</button>' in html
    assert f'href="/orders/{made["order"]["id"]}"' in html


def test_a_b2c_invoice_is_due_on_receipt_and_ships_to_the_order_address(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    buyer = api.customer("Ada Buyer")
    order = api.order(buyer["id"], [("LAMP", 1)], shipping_address={
        "name": "Ada at work", "line1": "Menara 88", "city": "Surabaya", "country": "ID"})
    inv = api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    login(client, container, "clerk")

    html = client.get(f"/billing/invoices/{inv['id']}").text

    assert "Payment is due on receipt." in html
    assert "<strong>Ada at work</strong><br>" in html and "Menara 88" in html
    assert _text(html, "balance-due") == "1,375.00 USD"


def test_an_unknown_invoice_shows_a_not_found_page(client: TestClient,
                                                   container: Container) -> None:
    login(client, container, "accountant")
    page = client.get("/billing/invoices/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404
    assert "Invoice not found" in page.text


def test_the_invoice_list_filters_by_status(api: Api, client: TestClient,
                                           container: Container) -> None:
    _shop(api)
    ada = api.customer("Ada Buyer")
    paid = _invoiced(api, ada["id"], 1, pay="1375.00")["invoice"]
    partly = _invoiced(api, ada["id"], 2, pay="100.00")["invoice"]
    issued = _invoiced(api, ada["id"], 1)["invoice"]
    login(client, container, "accountant")

    everything = client.get("/billing").text
    only_paid = client.get("/billing", params={"status": "paid"}).text
    only_partly = client.get("/billing", params={"status": "partially_paid"}).text
    only_issued = client.get("/billing", params={"status": "issued"}).text

    assert _invoice_numbers(everything) == [issued["number"], partly["number"], paid["number"]]
    assert _invoice_numbers(only_paid) == [paid["number"]]
    assert _invoice_numbers(only_partly) == [partly["number"]]
    assert _invoice_numbers(only_issued) == [issued["number"]]
    assert '<option value="paid" selected>paid</option>' in only_paid


def test_the_invoice_list_shows_order_customer_and_money_per_row(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    made = _invoiced(api, api.customer("Ada Buyer")["id"], 2, pay="100.00")
    login(client, container, "clerk")

    rows = client.get("/billing", headers={"HX-Request": "true"}).text

    assert "<html" not in rows  # HTMX gets the rows only
    assert f'<a href="/orders/{made["order"]["id"]}">{made["order"]["number"]}</a>' in rows
    assert "<td>Ada Buyer</td>" in rows
    assert '<td class="num">2,750.00<small class="wide-only"> USD</small></td>' in rows
    assert '<td class="num wide-only">100.00</td>' in rows
    assert '<td class="num">2,650.00</td>' in rows
    assert '<span class="badge s-partially_paid">partially paid</span>' in rows


def test_overdue_only_keeps_the_invoices_owed_past_their_due_date(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    late = _invoiced(api, api.customer("Ada Buyer")["id"], 1)["invoice"]  # b2c: due on issue
    on_credit = _invoiced(api, _b2b(api, "Toko Terang")["id"], 1)["invoice"]  # due in 30 days
    settled = _invoiced(api, api.customer("Bo Payer")["id"], 1, pay="1375.00")["invoice"]
    login(client, container, "accountant")

    overdue = client.get("/billing", params={"overdue": "1"}).text
    everything = client.get("/billing").text

    assert _invoice_numbers(overdue) == [late["number"]]
    assert set(_invoice_numbers(everything)) == {late["number"], on_credit["number"],
                                                 settled["number"]}
    assert everything.count('<span class="badge s-overdue">overdue</span>') == 1
    owed = re.search(r'<div class="owed" id="owed-USD">(.*?)</div>', everything, re.S)
    assert owed
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", owed.group(1))).strip() == (
        "Owed 2,750.00 USD on 2 open invoices · 1 overdue: 1,375.00 USD")


def test_the_invoice_search_finds_a_customer_or_an_invoice_number(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    ada = _invoiced(api, api.customer("Ada Buyer")["id"], 1)["invoice"]
    bo = _invoiced(api, api.customer("Bo Payer")["id"], 1)["invoice"]
    login(client, container, "accountant")

    by_name = client.get("/billing", params={"q": "ada"}).text
    by_number = client.get("/billing", params={"q": bo["number"].lower()}).text
    nobody = client.get("/billing", params={"q": "zed"}).text

    assert _invoice_numbers(by_name) == [ada["number"]]
    assert _invoice_numbers(by_number) == [bo["number"]]
    assert _invoice_numbers(nobody) == []
    assert "No invoices match." in nobody


def test_a_bad_cursor_is_shown_as_a_message_not_an_error(client: TestClient,
                                                        container: Container) -> None:
    login(client, container, "accountant")
    page = client.get("/billing", params={"cursor": "nonsense"})
    assert page.status_code == 200
    assert "The cursor is not one this server issued" in page.text


def test_the_payments_list_shows_each_payment_and_filters_by_method(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    made = _invoiced(api, api.customer("Ada Buyer")["id"], 1, pay="375.00")
    order_id = made["order"]["id"]
    api.ok(api.post(f"/orders/{order_id}/payments", {"amount": "1000.00", "method": "cash"}), 201)
    login(client, container, "accountant")

    everything = client.get("/billing/payments").text
    cash = client.get("/billing/payments", params={"method": "cash"}).text
    card = client.get("/billing/payments", params={"method": "card"}).text

    assert everything.count('<td class="num">') == 2
    assert '<td class="num">375.00 <small>USD</small></td>' in everything
    assert "<td>TRX-1</td>" in everything
    assert (f'<a href="/billing/invoices/{made["invoice"]["id"]}">'
            f'{made["invoice"]["number"]}</a>') in everything
    assert "<td>Ada Buyer</td>" in everything
    assert '<td class="num">1,000.00 <small>USD</small></td>' in cash
    assert "375.00" not in cash
    assert "No payments match." in card


def test_a_role_without_billing_read_gets_the_403_page_and_no_billing_link(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    inv = _invoiced(api, api.customer()["id"], 1)["invoice"]
    login(client, container, "warehouse")

    for path in ("/billing", "/billing/payments", f"/billing/invoices/{inv['id']}"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "Not allowed" in page.text
    assert 'href="/billing"' not in client.get("/orders").text
