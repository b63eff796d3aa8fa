"""Ledger pages: the trial balance per currency and the journal; admin and accountant only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from pesanan.ledger.models import account_balance, journal_entry, journal_line
from tests.factories import Api
from tests.web.helpers import login


def _trade(api: Api) -> dict[str, Any]:
    """Opening stock 5 x 400.00; an order of 3 x 1,250.00 + 10% tax, invoiced; 1,000.00 paid."""
    api.product("LAMP", price="1250.00", tax_rate="0.10", standard_cost="400.00")
    wh = api.location()
    api.stock("LAMP", wh["id"], 5)
    order = api.order(api.customer("Ada Buyer")["id"], [("LAMP", 3)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": "1000.00", "method": "card"}), 201)
    return order


def _row(html: str, row_id: str) -> list[str]:
    m = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert m, f"no row {row_id}"
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", m.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def test_the_trial_balance_shows_exact_balances_and_says_balanced(
        api: Api, client: TestClient, container: Container) -> None:
    _trade(api)
    login(client, container, "accountant")

    page = client.get("/ledger")

    assert page.status_code == 200
    html = page.text
    assert _row(html, "acct-USD-1000") == ["1000", "Cash", "asset", "1,000.00", "0.00",
                                           "1,000.00 Dr"]
    assert _row(html, "acct-USD-1100") == ["1100", "Accounts receivable", "asset", "4,125.00",
                                           "1,000.00", "3,125.00 Dr"]
    assert _row(html, "acct-USD-1200") == ["1200", "Inventory", "asset", "2,000.00", "0.00",
                                           "2,000.00 Dr"]
    assert _row(html, "acct-USD-2100") == ["2100", "Sales tax payable", "liability", "0.00",
                                           "375.00", "375.00 Cr"]
    assert _row(html, "acct-USD-4000") == ["4000", "Sales revenue", "revenue", "0.00",
                                           "3,750.00", "3,750.00 Cr"]
    assert _row(html, "acct-USD-5100") == ["5100", "Inventory adjustments", "expense", "0.00",
                                           "2,000.00", "2,000.00 Cr"]
    assert html.count('<tr id="acct-USD-') == 6
    assert 'id="total-debit-USD">7,125.00<' in html
    assert 'id="total-credit-USD">7,125.00<' in html
    assert '<p class="notice ok" id="balanced" role="status"><strong>Balanced.</strong>' in html
    assert '<span class="tb-state ok">Balanced</span>' in html


def test_each_currency_has_its_own_trial_balance(api: Api, client: TestClient,
                                                 container: Container) -> None:
    api.product("IDR-MUG", price="50000.00", currency="IDR", standard_cost="20000.00")
    api.product("USD-MUG", price="5.00", currency="USD", standard_cost="2.00")
    wh = api.location()
    api.stock("IDR-MUG", wh["id"], 2)
    api.stock("USD-MUG", wh["id"], 3)
    login(client, container, "admin")

    html = client.get("/ledger").text

    assert _row(html, "acct-IDR-1200") == ["1200", "Inventory", "asset", "40,000.00", "0.00",
                                           "40,000.00 Dr"]
    assert _row(html, "acct-USD-1200") == ["1200", "Inventory", "asset", "6.00", "0.00",
                                           "6.00 Dr"]
    assert "Trial balance · IDR" in html and "Trial balance · USD" in html


def test_an_unbalanced_ledger_is_flagged_with_the_difference(
        client: TestClient, container: Container) -> None:
    # Services cannot post an unbalanced entry; write one directly to see the page warn.
    with container.engine.begin() as conn:
        conn.execute(journal_entry.insert(), {
            "id": "00000000-0000-7000-8000-000000000001", "currency": "USD", "memo": "broken",
            "source_type": "manual", "source_id": "x", "order_id": None,
            "occurred_at": datetime(2026, 1, 2, tzinfo=UTC)})
        conn.execute(journal_line.insert(), {
            "id": "00000000-0000-7000-8000-000000000002",
            "entry_id": "00000000-0000-7000-8000-000000000001", "account_code": "1000",
            "debit": Decimal("5.00"), "credit": Decimal(0)})
        # The trial balance reads the running balances, which a direct write must keep too.
        conn.execute(account_balance.insert(), {
            "currency": "USD", "account_code": "1000", "stripe": 0,
            "debit": Decimal("5.00"), "credit": Decimal(0)})
    login(client, container, "accountant")

    html = client.get("/ledger").text

    assert '<p class="notice error" id="balanced" role="alert"><strong>Not balanced.' in html
    assert '<span class="tb-state bad">Off by 5.00 Dr</span>' in html
    assert "Balanced." not in html


def test_an_empty_ledger_says_nothing_is_posted(client: TestClient,
                                                container: Container) -> None:
    login(client, container, "accountant")
    html = client.get("/ledger").text
    assert "Nothing has been posted to the ledger yet." in html
    assert 'id="balanced"' not in html


def test_a_clerk_gets_the_403_page_and_sees_no_ledger_link(
        api: Api, client: TestClient, container: Container) -> None:
    _trade(api)
    login(client, container, "clerk")

    for path in ("/ledger", "/ledger/entries"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "Not allowed" in page.text
        assert "Accounts receivable" not in page.text
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert 'href="/ledger"' not in dashboard.text
    assert 'href="/billing"' in dashboard.text


def test_an_accountant_sees_the_ledger_link_and_the_pages(
        api: Api, client: TestClient, container: Container) -> None:
    login(client, container, "accountant")
    assert 'href="/ledger"' in client.get("/").text
    assert client.get("/ledger").status_code == 200
    assert client.get("/ledger/entries").status_code == 200


def test_the_journal_lists_entries_with_their_lines(api: Api, client: TestClient,
                                                    container: Container) -> None:
    order = _trade(api)
    login(client, container, "accountant")

    html = client.get("/ledger/entries").text

    memos = re.findall(r"<strong>([^<]+)</strong> <small", html)
    assert memos[0] == f"Payment (card) for {order['number']}"
    assert memos[1].startswith("Invoice INV-") and memos[1].endswith(f"for {order['number']}")
    assert len(memos) == 3  # payment, invoice, opening stock
    lines = re.findall(r'<td class="acct">([^<]+)</td>\s*<td class="num">([^<]*)</td>\s*'
                       r'<td class="num">([^<]*)</td>', html)
    assert lines[:5] == [("1000 Cash", "1,000.00", ""),
                         ("1100 Accounts receivable", "", "1,000.00"),
                         ("1100 Accounts receivable", "4,125.00", ""),
                         ("4000 Sales revenue", "", "3,750.00"),
                         ("2100 Sales tax payable", "", "375.00")]
    assert f'href="/orders/{order["id"]}"' in html


def test_the_journal_filters_by_source_and_by_order_number(
        api: Api, client: TestClient, container: Container) -> None:
    order = _trade(api)
    login(client, container, "accountant")

    payments = client.get("/ledger/entries", params={"source_type": "payment"}).text
    by_order = client.get("/ledger/entries", params={"order": order["number"]}).text
    by_digits = client.get("/ledger/entries",
                           params={"order": str(int(order["number"][3:]))}).text
    unknown = client.get("/ledger/entries", params={"order": "SO-999999"})

    assert re.findall(r"<strong>([^<]+)</strong> <small", payments) == [
        f"Payment (card) for {order['number']}"]
    assert len(re.findall(r"<strong>([^<]+)</strong> <small", by_order)) == 2
    assert len(re.findall(r"<strong>([^<]+)</strong> <small", by_digits)) == 2
    assert unknown.status_code == 200
    assert 'aria-invalid="true"' in unknown.text
    assert "No order numbered SO-999999." in unknown.text
    assert "<strong>Payment" not in unknown.text


def test_a_journal_filter_change_over_htmx_redraws_only_the_table(
        api: Api, client: TestClient, container: Container) -> None:
    _trade(api)
    login(client, container, "accountant")

    part = client.get("/ledger/entries", params={"order": "SO-424242"},
                      headers={"HX-Request": "true", "HX-Target": "journal"}).text

    assert part.lstrip().startswith('<table class="journal">')
    assert "No order numbered SO-424242." in part
