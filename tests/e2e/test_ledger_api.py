"""The ledger read side over HTTP: the trial balance and the journal."""

from __future__ import annotations

from typing import Any

from tests.factories import Api


def _cycle(api: Api) -> dict[str, Any]:
    """Stock 10 tees at standard cost 6.00 (60.00), sell 3 (37.50 + 4.13 tax), invoice, take a
    20.00 payment; and, in EUR, stock 2 mugs at 4.00 (8.00). Returns the USD order."""
    api.product("TEE-BLK-M", price="12.50", tax_rate="0.11", standard_cost="6.00")
    api.product("MUG-EU", price="9.00", currency="EUR", standard_cost="4.00")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 10)
    api.stock("MUG-EU", wh["id"], 2)
    order = api.order(api.customer()["id"], [("TEE-BLK-M", 3)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": "20.00", "method": "card"}),
           201)
    return order


def _accounts(section: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {a["code"]: (a["debit"], a["credit"], a["balance"]) for a in section["accounts"]}


def test_the_trial_balance_balances_per_currency_with_exact_account_balances(api: Api) -> None:
    _cycle(api)
    tb = api.ok(api.get("/ledger/trial-balance", role="accountant"))
    assert tb["balanced"] is True
    assert [c["currency"] for c in tb["currencies"]] == ["EUR", "USD"]
    eur, usd = tb["currencies"]
    assert _accounts(usd) == {
        "1000": ("20.00", "0.00", "20.00"),  # cash from the payment
        "1100": ("41.63", "20.00", "21.63"),  # receivable: invoiced less paid
        "1200": ("60.00", "0.00", "60.00"),  # inventory: 10 x 6.00
        "2100": ("0.00", "4.13", "-4.13"),  # sales tax owed
        "4000": ("0.00", "37.50", "-37.50"),  # revenue
        "5100": ("0.00", "60.00", "-60.00"),  # the opening count's other side
    }
    assert (usd["total_debit"], usd["total_credit"], usd["balanced"]) == (
        "121.63", "121.63", True)
    assert _accounts(eur) == {"1200": ("8.00", "0.00", "8.00"),
                              "5100": ("0.00", "8.00", "-8.00")}
    assert (eur["total_debit"], eur["total_credit"], eur["balanced"]) == ("8.00", "8.00", True)
    names = {a["code"]: (a["name"], a["type"]) for a in usd["accounts"]}
    assert names["1100"] == ("Accounts receivable", "asset")


def test_an_empty_ledger_has_an_empty_balanced_trial_balance(api: Api) -> None:
    assert api.ok(api.get("/ledger/trial-balance")) == {"currencies": [], "balanced": True}


def test_journal_entries_for_an_order_come_newest_first_with_their_lines(api: Api) -> None:
    order = _cycle(api)
    entries = api.ok(api.get("/ledger/entries", order_id=order["id"]))
    assert entries["next_cursor"] is None
    payment, invoice = entries["items"]
    assert (invoice["source_type"], invoice["currency"], invoice["total"]) == (
        "invoice", "USD", "41.63")
    assert [(x["account_code"], x["debit"], x["credit"]) for x in invoice["lines"]] == [
        ("1100", "41.63", "0.00"), ("4000", "0.00", "37.50"), ("2100", "0.00", "4.13")]
    assert invoice["memo"].startswith("Invoice INV-") and invoice["memo"].endswith("SO-000001")
    assert (payment["source_type"], payment["total"]) == ("payment", "20.00")
    assert [(x["account_name"], x["debit"], x["credit"]) for x in payment["lines"]] == [
        ("Cash", "20.00", "0.00"), ("Accounts receivable", "0.00", "20.00")]


def test_journal_entries_filter_by_source_type_and_currency_and_page_by_cursor(
        api: Api) -> None:
    _cycle(api)
    adjustments = api.ok(api.get("/ledger/entries", source_type="stock_adjustment"))["items"]
    assert [e["currency"] for e in adjustments] == ["EUR", "USD"]
    eur = api.ok(api.get("/ledger/entries", currency="EUR"))["items"]
    assert [(e["source_type"], e["total"]) for e in eur] == [("stock_adjustment", "8.00")]
    first = api.ok(api.get("/ledger/entries", limit=3))
    rest = api.ok(api.get("/ledger/entries", limit=3, cursor=first["next_cursor"]))
    assert [e["source_type"] for e in first["items"] + rest["items"]] == [
        "payment", "invoice", "stock_adjustment", "stock_adjustment"]
    assert rest["next_cursor"] is None


def test_only_admins_and_accountants_may_read_the_ledger(api: Api) -> None:
    for role, status in (("clerk", 403), ("warehouse", 403), ("accountant", 200),
                         ("admin", 200)):
        for path in ("/ledger/trial-balance", "/ledger/entries"):
            resp = api.get(path, role=role)
            assert resp.status_code == status, (role, path)
    assert api.get("/ledger/trial-balance", role="clerk").json()["type"] == "/problems/forbidden"
