"""Pricing: tax rounded half up per line; order totals are sums of the rounded lines."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pesanan.orders.pricing import PricedLine, Totals, price_line, totals


def test_a_line_is_price_times_quantity_plus_tax_rounded_half_up() -> None:
    line = price_line(Decimal("12.50"), 3, Decimal("0.11"), "USD")
    assert line == PricedLine(3, Decimal("12.50"), Decimal("0.11"), Decimal("37.50"),
                              Decimal("4.13"), Decimal("41.63"))  # 4.125 -> 4.13


def test_tax_just_below_half_a_cent_rounds_down_and_exactly_half_rounds_up() -> None:
    assert price_line(Decimal("1.00"), 1, Decimal("0.0449"), "USD").tax == Decimal("0.04")
    assert price_line(Decimal("1.00"), 1, Decimal("0.045"), "USD").tax == Decimal("0.05")


def test_tax_is_rounded_per_line_not_on_the_order_total() -> None:
    # Each line's tax is 0.125 -> 0.13; rounding the summed tax (0.25) would give 0.25, not 0.26.
    lines = [price_line(Decimal("1.25"), 1, Decimal("0.10"), "USD") for _ in range(2)]
    assert [x.tax for x in lines] == [Decimal("0.13"), Decimal("0.13")]
    assert totals(lines) == Totals(Decimal("2.50"), Decimal("0.26"), Decimal("2.76"))


def test_a_zero_decimal_currency_rounds_tax_to_whole_units() -> None:
    line = price_line(Decimal("1050"), 1, Decimal("0.10"), "JPY")
    assert (line.subtotal, line.tax, line.total) == (Decimal("1050"), Decimal("105"),
                                                     Decimal("1155"))
    assert price_line(Decimal("15"), 1, Decimal("0.10"), "JPY").tax == Decimal("2")  # 1.5


def test_a_zero_tax_rate_and_a_free_item_cost_nothing_extra() -> None:
    assert price_line(Decimal("9.99"), 2, Decimal("0"), "USD").total == Decimal("19.98")
    assert price_line(Decimal("0.00"), 5, Decimal("0.11"), "USD").total == Decimal("0.00")


def test_no_lines_total_zero() -> None:
    assert totals([]) == Totals(Decimal(0), Decimal(0), Decimal(0))


prices = st.decimals(min_value=0, max_value=100_000, places=2)
rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=4)
lines_st = st.lists(st.tuples(prices, st.integers(min_value=1, max_value=1000), rates),
                    min_size=1, max_size=20)


@given(lines_st)
def test_order_totals_always_equal_the_sum_of_their_lines(raw: list[tuple[Decimal, int,
                                                                           Decimal]]) -> None:
    lines = [price_line(p, q, r, "USD") for p, q, r in raw]
    t = totals(lines)
    assert t.subtotal == sum((x.subtotal for x in lines), Decimal(0))
    assert t.tax_total == sum((x.tax for x in lines), Decimal(0))
    assert t.total == t.subtotal + t.tax_total == sum((x.total for x in lines), Decimal(0))


@given(prices, st.integers(min_value=1, max_value=1000), rates)
def test_a_lines_tax_is_within_half_a_cent_of_the_exact_tax(
        price: Decimal, quantity: int, rate: Decimal) -> None:
    line = price_line(price, quantity, rate, "USD")
    assert line.subtotal == price * quantity
    assert abs(line.tax - line.subtotal * rate) <= Decimal("0.005")
    assert line.tax == line.tax.quantize(Decimal("0.01"))
    assert line.total == line.subtotal + line.tax
