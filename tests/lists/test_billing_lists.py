"""Invoices and payments: the CSV has exactly the rows the page's filters match, amounts exact
with their currency; the columns sort both ways."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.lists.helpers import rows_of, shop
from tests.web.helpers import login


def _invoiced(api: Api, customer_id: str, sku: str, n: int, pay: str | None = None
              ) -> dict[str, Any]:
    order = api.order(customer_id, [(sku, n)])
    inv = api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    if pay:
        api.ok(api.post(f"/orders/{order['id']}/payments",
                        {"amount": pay, "method": "bank_transfer", "reference": "=1+1"}), 201)
    return {"order": order, "invoice": inv}


def _invoice_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/billing/invoices/[^"]+">(INV-\d{4}-\d{6})</a>', html)


def test_the_invoices_csv_has_the_filtered_invoices_with_exact_amounts(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    paid = _invoiced(api, s["ada"]["id"], "TEH-HIJAU", 3, pay="40.76")  # 37.05 + 3.71 tax
    part = _invoiced(api, s["budi"]["id"], "KOPI-BALI", 2, pay="0.01")
    _invoiced(api, s["ada"]["id"], "KOPI-BALI", 1)
    login(client, container, "accountant")

    rows = rows_of(client.get("/billing", params={"status": "partially_paid",
                                                  "format": "csv"}))

    assert [r["number"] for r in rows] == [part["invoice"]["number"]]
    assert _invoice_numbers(client.get("/billing", params={"status": "partially_paid"}).text) \
        == [part["invoice"]["number"]]
    r = rows[0]
    assert (r["currency"], r["total"], r["amount_paid"], r["amount_due"]) == \
        ("USD", "199.98", "0.01", "199.97")
    assert (r["order_number"], r["customer_name"]) == (part["order"]["number"], "Budi Santoso")
    assert r["issued_at_utc"] == part["invoice"]["issued_at"]
    everything = rows_of(client.get("/billing", params={"format": "csv"}))
    assert len(everything) == 3
    assert sum(Decimal(x["total"]) for x in everything) == Decimal("40.76") + \
        Decimal("199.98") + Decimal("99.99")
    assert paid["invoice"]["number"] in {x["number"] for x in everything}


def test_the_payments_csv_escapes_a_formula_reference_and_sorts_by_amount(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    _invoiced(api, s["ada"]["id"], "TEH-HIJAU", 1, pay="5.00")
    _invoiced(api, s["budi"]["id"], "TEH-HIJAU", 1, pay="13.59")
    _invoiced(api, s["ada"]["id"], "TEH-HIJAU", 1, pay="0.50")
    login(client, container, "accountant")

    up = rows_of(client.get("/billing/payments", params={"format": "csv", "sort": "amount",
                                                         "dir": "asc"}))
    down = rows_of(client.get("/billing/payments", params={"format": "csv", "sort": "amount",
                                                           "dir": "desc"}))

    assert [r["amount"] for r in up] == ["0.50", "5.00", "13.59"]
    assert [r["amount"] for r in down] == ["13.59", "5.00", "0.50"]
    assert {r["reference"] for r in up} == {"'=1+1"}
    assert {r["currency"] for r in up} == {"USD"}


def test_invoices_sort_by_total_both_ways_on_the_page(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    made = [_invoiced(api, s["ada"]["id"], "TEH-HIJAU", n)["invoice"] for n in (2, 5, 1)]
    login(client, container, "accountant")
    by_total = [i["number"] for i in sorted(made, key=lambda i: Decimal(i["total"]))]

    up = _invoice_numbers(client.get("/billing", params={"sort": "total", "dir": "asc"}).text)
    down = _invoice_numbers(client.get("/billing", params={"sort": "total"}).text)
    ignored = _invoice_numbers(client.get("/billing", params={"sort": "amount_paid"}).text)

    assert up == by_total
    assert down == list(reversed(by_total))
    assert ignored == [i["number"] for i in reversed(made)]  # the default: newest first
