"""Issue 12's acceptance in Chromium, both databases: a payment typed "50.000" in the Indonesian
console records 50,000.00 IDR; "50,5" and "abc" are refused beside the field and nothing
changes. In English, "50,000" is the same fifty thousand and "50.000" is refused (never Rp 50)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import Shooter, log_in
from tests.dbs import row_counts
from tests.factories import Api


def _idr_invoice(api: Api) -> dict[str, Any]:
    """An invoiced IDR order of 150,000 rupiah, nothing paid."""
    api.product("KOPI", price="150000.00", currency="IDR", tax_rate="0")
    wh = api.location("GUDANG")
    api.stock("KOPI", wh["id"], 5)
    order = api.order(api.customer()["id"], [("KOPI", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    return order


def _in_indonesian(page: Page) -> None:
    """Switch the logged-in user's console to Bahasa Indonesia with the header's button."""
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_role("button", name="English")).to_be_visible()


# (language, typed and recorded, refusals typed with the sentence beside the field)
CASES = {
    "id_ID": ("50.000", "Catat pembayaran", "Jumlah", "100.000", [
        ("50,5", "Jumlah IDR tidak memakai desimal: ketik 50.000."),
        ("abc", "“abc” bukan jumlah uang: ketik seperti 50.000."),
    ]),
    "en_US": ("50,000", "Record payment", "Amount", "100,000", [
        ("50.000", "IDR amounts have no decimals: type 50,000."),
        ("abc", "“abc” is not an amount: type it as 50,000."),
    ]),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_fifty_thousand_rupiah_is_typed_the_users_way_and_a_guess_is_refused(
        page: Page, api: Api, container: Container, shot: Shooter, language: str) -> None:
    typed, button, label, left, refusals = CASES[language]
    order = _idr_invoice(api)
    log_in(page, container, "accountant")
    page.goto(f"/orders/{order['id']}")
    if language == "id_ID":
        _in_indonesian(page)
    amount = page.get_by_label(re.compile(rf"^{label}"))

    for bad, sentence in refusals:
        before = row_counts(container.engine)
        amount.fill(bad)
        page.get_by_role("button", name=button).click()
        expect(page.locator("#amount-error")).to_have_text(sentence)
        expect(amount).to_have_attribute("aria-invalid", "true")
        expect(amount).to_have_value(bad)
        assert row_counts(container.engine) == before  # no payment row, no ledger entry
    shot(page, f"payment-refused-{language}")

    amount.fill(typed)
    page.get_by_role("button", name=button).click()
    expect(page.locator("#balance-due")).to_have_text(left)
    shot(page, f"payment-recorded-{language}")
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["amount_paid"], after["balance_due"]) == ("50000.00", "100000.00")
