"""The RMA status table and the returns posting rules (pure, no database)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from pesanan.billing.status import financial_after_refund
from pesanan.core.errors import InvalidTransition
from pesanan.ledger.postings import (
    Line,
    check_balanced,
    credit_note_issued,
    goods_returned,
    refund_paid,
)
from pesanan.returns import status as st


def test_a_return_moves_from_requested_to_closed_by_refund_or_exchange() -> None:
    for path in (("requested", "approved", "received", "refunded", "closed"),
                 ("requested", "approved", "received", "exchanged", "closed")):
        for a, b in itertools.pairwise(path):
            st.check(a, b)


@pytest.mark.parametrize(("current", "target"), [
    ("received", "rejected"), ("received", "received"), ("requested", "received"),
    ("rejected", "approved"), ("closed", "requested"), ("refunded", "exchanged"),
])
def test_a_return_cannot_skip_or_undo_a_step(current: str, target: str) -> None:
    with pytest.raises(InvalidTransition, match=f"is {current} and cannot become {target}"):
        st.check(current, target)


def test_only_a_rejected_return_gives_its_units_back() -> None:
    assert set(st.TRANSITIONS) - st.COUNTS_AGAINST_DELIVERED == {"rejected"}
    assert st.returnable(5, 2) == 3
    assert st.returnable(2, 3) == 0


def test_the_financial_status_after_a_refund_is_refunded_only_when_all_paid_went_back() -> None:
    assert financial_after_refund(Decimal("30.00"), Decimal("30.00")) == "refunded"
    assert financial_after_refund(Decimal("30.00"), Decimal("10.00")) == "partially_refunded"


def test_a_credit_note_reverses_revenue_and_tax_against_the_receivable() -> None:
    lines = credit_note_issued(Decimal("235.00"), Decimal("23.50"))
    check_balanced(lines)
    assert lines == [Line("4000", debit=Decimal("235.00")), Line("2100", debit=Decimal("23.50")),
                     Line("1100", credit=Decimal("258.50"))]
    assert credit_note_issued(Decimal("10.00"), Decimal(0)) == [
        Line("4000", debit=Decimal("10.00")), Line("1100", credit=Decimal("10.00"))]


def test_a_refund_pays_cash_out_of_the_receivable_and_returned_goods_reverse_cogs() -> None:
    assert refund_paid(Decimal("5.00")) == [Line("1100", debit=Decimal("5.00")),
                                            Line("1000", credit=Decimal("5.00"))]
    assert goods_returned(Decimal("88.00")) == [Line("1200", debit=Decimal("88.00")),
                                                Line("5000", credit=Decimal("88.00"))]
    assert goods_returned(Decimal(0)) == []  # scrap only: nothing comes back into the books
