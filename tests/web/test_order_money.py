"""The order page's money: Refunded and Net paid on the money card once something was paid
back, credit notes and refunds beside the invoices and payments, and payment and refund
forms that preselect the way this customer pays."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.e2e.test_payment_methods import returned
from tests.factories import Api
from tests.web.helpers import login


def _dd(html: str, term: str) -> str:
    m = re.search(rf"<dt>{term}</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    assert m, f"no {term} on the money card"
    return m.group(1).strip()


def _selected(html: str, action: str) -> list[str]:
    form = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<option value="([^"]+)" selected>', form)


def test_a_refund_shows_as_refunded_and_net_paid_with_its_credit_note_and_refund(
        api: Api, client: TestClient, container: Container) -> None:
    order, rma = returned(api, "card", paid_by="cash")
    api.ok(api.post(f"/returns/{rma['id']}/refund",
                    {"amount": "40.00", "method": "cash", "reference": "R-1"}))
    credit_note = api.ok(api.get(f"/credit-notes/{rma['credit_note_id']}"))
    login(client, container, "accountant")

    page = client.get(f"/orders/{order['id']}").text

    assert (_dd(page, "Paid"), _dd(page, "Refunded"), _dd(page, "Net paid")) == (
        "110.00", "40.00", "70.00")
    assert (f'Credit note <strong class="code">{credit_note["number"]}</strong> · 110.00 USD'
            in page)
    assert "Refund 40.00 USD by cash (R-1)" in page
    assert "Payment 110.00 USD by cash" in page


def test_an_order_with_nothing_refunded_shows_no_refund_lines(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE", price="100.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH")["id"], 10)
    order = api.order(api.customer()["id"], [("TEE", 1)])
    login(client, container, "accountant")
    page = client.get(f"/orders/{order['id']}").text
    assert _dd(page, "Paid") == "0.00"
    assert "<dt>Refunded</dt>" not in page
    assert "<dt>Net paid</dt>" not in page


def test_the_payment_form_preselects_the_customers_payment_preference(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE", price="100.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH")["id"], 10)
    order = api.order(api.customer(payment_preference="cash")["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    login(client, container, "accountant")
    page = client.get(f"/orders/{order['id']}").text
    assert _selected(page, f"/orders/{order['id']}/pay") == ["cash"]


def test_the_refund_form_preselects_the_method_the_order_was_paid_by(
        api: Api, client: TestClient, container: Container) -> None:
    _, rma = returned(api, "card", paid_by="bank_transfer")
    login(client, container, "accountant")
    page = client.get(f"/returns/{rma['id']}").text
    assert _selected(page, f"/returns/{rma['id']}/refund") == ["bank_transfer"]
