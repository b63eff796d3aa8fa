"""Console searches by customer (orders, invoices, payments) find every match however many
customers match the text: the search joins the matching customers in SQL instead of a list
of their ids that stopped at 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from pesanan.core.ids import new_id
from pesanan.customers.models import customer
from tests.factories import Api
from tests.web.helpers import login

MANY = 600  # more than the 500 ids the search used to stop at


def _many_customers_named(api: Api, name: str, n: int) -> None:
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    with api.container.engine.begin() as conn:
        conn.execute(customer.insert(), [
            {"id": new_id(), "name": f"{name} {i}", "email": None, "phone": None, "kind": "b2c",
             "payment_preference": "card", "credit_limit": None, "credit_currency": None,
             "created_at": ts} for i in range(n)])


def _sold(api: Api, name: str) -> dict[str, Any]:
    """A customer with an invoiced order paid in full."""
    order = api.order(api.customer(name)["id"], [("LAMP", 1)])
    invoice = api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": invoice["total"], "method": "bank_transfer",
                     "reference": f"TRX-{name}"}), 201)
    return {"order": order, "invoice": invoice}


def test_searches_by_customer_find_the_matches_past_the_five_hundredth_customer(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("LAMP", price="100.00", tax_rate="0.10")
    api.stock("LAMP", api.location("WH1")["id"], 10)
    first = _sold(api, "Tanaka First")
    _many_customers_named(api, "Tanaka", MANY)
    last = _sold(api, "Tanaka Last")  # matched after the other 601
    _sold(api, "Budi Other")
    login(client, container, "admin")

    orders = client.get("/orders", params={"q": "tanaka"}).text
    invoices = client.get("/billing", params={"q": "tanaka"}).text
    payments = client.get("/billing/payments", params={"q": "tanaka"}).text

    assert sorted(re.findall(r'<a href="/orders/[^"]+">(SO-\d+)</a>', orders)) == [
        first["order"]["number"], last["order"]["number"]]
    assert sorted(re.findall(r'<a href="/billing/invoices/[^"]+">(INV-\d{4}-\d{6})</a>',
                             invoices)) == [first["invoice"]["number"], last["invoice"]["number"]]
    assert sorted(re.findall(r"<td>(TRX-[^<]+)</td>", payments)) == [
        "TRX-Tanaka First", "TRX-Tanaka Last"]
