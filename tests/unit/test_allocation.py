"""Allocation: preferred location, single best location, split, shortage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pesanan.inventory.allocation import Pick, allocate


def test_a_preferred_location_that_can_fill_the_line_is_used_even_with_less_stock() -> None:
    assert allocate(3, {"WH": 50, "STORE": 3}, preferred="STORE") == ([Pick("STORE", 3)], 0)


def test_a_preferred_location_that_cannot_fill_the_line_is_passed_over() -> None:
    assert allocate(4, {"WH": 50, "STORE": 3}, preferred="STORE") == ([Pick("WH", 4)], 0)


def test_an_unknown_preferred_location_is_ignored() -> None:
    assert allocate(2, {"WH": 5}, preferred="ELSEWHERE") == ([Pick("WH", 2)], 0)


def test_the_single_location_with_most_available_fills_the_line() -> None:
    assert allocate(3, {"A": 4, "B": 9, "C": 3}) == ([Pick("B", 3)], 0)


def test_equal_stock_is_broken_by_location_id_so_plans_are_deterministic() -> None:
    assert allocate(2, {"B": 5, "A": 5}) == ([Pick("A", 2)], 0)


def test_a_line_no_single_location_can_fill_is_split_most_available_first() -> None:
    assert allocate(10, {"A": 3, "B": 5, "C": 4}) == ([Pick("B", 5), Pick("C", 4),
                                                       Pick("A", 1)], 0)


def test_a_shortage_reports_the_missing_quantity_after_taking_everything() -> None:
    assert allocate(10, {"A": 3, "B": 2}) == ([Pick("A", 3), Pick("B", 2)], 5)


def test_no_stock_anywhere_is_a_full_shortage() -> None:
    assert allocate(4, {}) == ([], 4)
    assert allocate(4, {"A": 0, "B": -2}) == ([], 4)


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_that_is_not_positive_is_refused(quantity: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        allocate(quantity, {"A": 5})


stock = st.dictionaries(st.sampled_from(["A", "B", "C", "D"]),
                        st.integers(min_value=-2, max_value=20), max_size=4)


@given(st.integers(min_value=1, max_value=60), stock, st.sampled_from([None, "A", "B", "Z"]))
def test_picks_plus_shortage_cover_the_line_without_exceeding_any_location(
        quantity: int, available: dict[str, int], preferred: str | None) -> None:
    picks, short = allocate(quantity, available, preferred)
    assert sum(p.quantity for p in picks) + short == quantity
    assert all(p.quantity > 0 for p in picks)
    assert len({p.location_id for p in picks}) == len(picks)
    assert all(p.quantity <= available[p.location_id] for p in picks)
    total = sum(max(q, 0) for q in available.values())
    assert short == max(quantity - total, 0)
    if any(q >= quantity for q in available.values()):
        assert len(picks) == 1
