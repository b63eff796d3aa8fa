"""The order status rules that fulfillment and billing lean on (pure)."""

from __future__ import annotations

import pytest

from pesanan.core.errors import InvalidTransition
from pesanan.orders import status as st


@pytest.mark.parametrize(("shipped", "ordered", "expected"), [
    (0, 5, "unfulfilled"), (1, 5, "partially_fulfilled"), (4, 5, "partially_fulfilled"),
    (5, 5, "fulfilled"),
])
def test_fulfillment_status_follows_units_shipped(shipped: int, ordered: int,
                                                   expected: str) -> None:
    assert st.fulfillment_for(shipped, ordered) == expected


def test_an_open_order_completes_only_when_paid_fulfilled_and_delivered() -> None:
    assert st.is_complete("open", "paid", "fulfilled", all_delivered=True) is True


@pytest.mark.parametrize(("status", "financial", "fulfillment", "delivered"), [
    ("open", "pending", "fulfilled", True),  # delivered but unpaid
    ("open", "partially_paid", "fulfilled", True),  # delivered, paid in part
    ("open", "paid", "fulfilled", False),  # paid, a shipment still on its way
    ("open", "paid", "partially_fulfilled", True),  # paid, every shipment so far delivered
    ("on_hold", "paid", "fulfilled", True),  # a hold is released by a person, not by delivery
    ("completed", "paid", "fulfilled", True),  # already complete: completing twice is no-op
    ("cancelled", "paid", "fulfilled", True),
])
def test_an_order_missing_any_condition_does_not_complete(status: str, financial: str,
                                                          fulfillment: str,
                                                          delivered: bool) -> None:
    assert st.is_complete(status, financial, fulfillment, delivered) is False


def test_fulfillment_only_moves_forward() -> None:
    st.check("fulfillment_status", "unfulfilled", "partially_fulfilled")
    st.check("fulfillment_status", "partially_fulfilled", "fulfilled")
    with pytest.raises(InvalidTransition):
        st.check("fulfillment_status", "fulfilled", "partially_fulfilled")
    with pytest.raises(InvalidTransition):
        st.check("status", "cancelled", "completed")
