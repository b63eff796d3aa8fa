"""Posting rules are pure: each business event's lines balance and hit the right accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pesanan.ledger import postings as p
from pesanan.ledger.postings import Line, Unbalanced, check_balanced

D = Decimal


def _sides(lines: list[Line]) -> dict[str, tuple[Decimal, Decimal]]:
    return {x.account: (x.debit, x.credit) for x in lines}


def _balances(lines: list[Line]) -> bool:
    check_balanced(lines)
    return sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_an_invoice_debits_receivable_with_the_total_and_credits_revenue_and_tax() -> None:
    lines = p.invoice_issued(D("37.50"), D("4.13"))
    assert _sides(lines) == {p.RECEIVABLE: (D("41.63"), 0), p.REVENUE: (0, D("37.50")),
                             p.TAX_PAYABLE: (0, D("4.13"))}
    assert _balances(lines)


def test_an_invoice_without_tax_has_no_tax_line() -> None:
    lines = p.invoice_issued(D("20.00"), D("0"))
    assert _sides(lines) == {p.RECEIVABLE: (D("20.00"), 0), p.REVENUE: (0, D("20.00"))}
    assert _balances(lines)


def test_a_payment_debits_cash_and_credits_receivable() -> None:
    lines = p.payment_recorded(D("15.00"))
    assert _sides(lines) == {p.CASH: (D("15.00"), 0), p.RECEIVABLE: (0, D("15.00"))}
    assert _balances(lines)


def test_receiving_goods_debits_inventory_and_credits_payable() -> None:
    lines = p.goods_received(D("120.0000"))
    assert _sides(lines) == {p.INVENTORY: (D("120"), 0), p.PAYABLE: (0, D("120"))}
    assert _balances(lines)


def test_shipping_goods_moves_their_cost_from_inventory_to_cost_of_goods_sold() -> None:
    lines = p.goods_shipped(D("18.00"))
    assert _sides(lines) == {p.COGS: (D("18.00"), 0), p.INVENTORY: (0, D("18.00"))}
    assert _balances(lines)


def test_a_positive_stock_adjustment_adds_inventory_and_a_negative_one_writes_it_off() -> None:
    found = p.stock_adjusted(D("60.00"))
    lost = p.stock_adjusted(D("-12.00"))
    assert _sides(found) == {p.INVENTORY: (D("60.00"), 0),
                             p.INVENTORY_ADJUSTMENTS: (0, D("60.00"))}
    assert _sides(lost) == {p.INVENTORY_ADJUSTMENTS: (D("12.00"), 0),
                            p.INVENTORY: (0, D("12.00"))}
    assert _balances(found) and _balances(lost)


def test_zero_value_events_post_no_lines() -> None:
    assert p.invoice_issued(D(0), D(0)) == []
    assert p.goods_received(D(0)) == []
    assert p.goods_shipped(D(0)) == []
    assert p.stock_adjusted(D(0)) == []


@pytest.mark.parametrize("lines", [
    [],
    [Line(p.CASH, debit=D("10"))],
    [Line(p.CASH, debit=D("10")), Line(p.REVENUE, credit=D("9.99"))],
    [Line(p.CASH, debit=D("10"), credit=D("10"))],
    [Line(p.CASH, debit=D("-10")), Line(p.REVENUE, credit=D("-10"))],
], ids=["empty", "one-sided", "off-by-a-cent", "two-sided-line", "negative"])
def test_an_unbalanced_or_malformed_entry_is_refused(lines: list[Line]) -> None:
    with pytest.raises(Unbalanced):
        check_balanced(lines)
