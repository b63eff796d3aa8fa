"""Opening balances post against equity, never against inventory adjustments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pesanan.ledger.postings import Line, check_balanced, opening_balance


def test_an_opening_balance_debits_inventory_and_credits_equity() -> None:
    lines = opening_balance(Decimal("12.50"))
    check_balanced(lines)
    assert lines == [Line("1200", debit=Decimal("12.50")), Line("3000", credit=Decimal("12.50"))]


def test_an_opening_balance_cannot_remove_stock() -> None:
    with pytest.raises(ValueError):
        opening_balance(Decimal("-1"))
