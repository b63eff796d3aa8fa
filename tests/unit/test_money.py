"""Money: exact input, one currency per value, one rounding policy (half up)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pesanan.core.money import Money, MoneyError, fmt, quantize_minor, to_decimal

cents = st.integers(min_value=-10**12, max_value=10**12)


def usd(cents_: int) -> Money:
    return Money(Decimal(cents_).scaleb(-2), "USD")


def test_money_from_a_decimal_string_keeps_the_currencys_minor_digits() -> None:
    assert Money.of("12.5", "USD") == Money(Decimal("12.50"), "USD")
    assert str(Money.of("12.5", "USD")) == "12.50 USD"
    assert str(Money.of(7, "JPY")) == "7 JPY"
    assert str(Money.of("1.234", "KWD")) == "1.234 KWD"


@pytest.mark.parametrize("value", [0.1, 12.5, 1.0])
def test_money_refuses_a_float(value: float) -> None:
    with pytest.raises(MoneyError, match="float"):
        Money.of(value, "USD")


def test_money_refuses_a_bool_and_other_types() -> None:
    with pytest.raises(MoneyError):
        Money.of(True, "USD")
    with pytest.raises(MoneyError, match="list cannot be money"):
        Money.of([1], "USD")
    with pytest.raises(MoneyError, match="must be a Decimal"):
        Money(1, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "1,00", "", "NaN", "Infinity", "-inf"])
def test_money_refuses_text_that_is_not_a_finite_decimal(value: str) -> None:
    with pytest.raises(MoneyError):
        Money.of(value, "USD")


@pytest.mark.parametrize(("value", "currency"), [("10.005", "USD"), ("1.5", "JPY"),
                                                 ("0.0001", "KWD"), ("0.001", "EUR")])
def test_money_refuses_more_decimals_than_the_currency_has(value: str, currency: str) -> None:
    with pytest.raises(MoneyError, match="decimal places"):
        Money.of(value, currency)


def test_trailing_zeros_beyond_the_minor_unit_are_not_extra_precision() -> None:
    assert Money.of("10.5000", "USD") == Money(Decimal("10.50"), "USD")


@pytest.mark.parametrize("currency", ["usd", "XXX", "US", ""])
def test_money_refuses_an_unknown_currency(currency: str) -> None:
    with pytest.raises(MoneyError, match="unknown currency"):
        Money.of("1.00", currency)


def test_money_refuses_to_mix_currencies() -> None:
    a, b = Money.of("1.00", "USD"), Money.of("1.00", "EUR")
    for op in (lambda: a + b, lambda: a - b, lambda: a < b, lambda: a <= b, lambda: a > b,
               lambda: a >= b):
        with pytest.raises(MoneyError, match="cannot mix USD and EUR"):
            op()


def test_money_refuses_to_add_a_plain_number() -> None:
    with pytest.raises(MoneyError, match="cannot combine Money with Decimal"):
        Money.of("1.00", "USD") + Decimal(1)  # type: ignore[operator]


def test_money_multiplies_only_by_int_or_decimal() -> None:
    assert Money.of("2.50", "USD") * 3 == Money.of("7.50", "USD")
    assert 3 * Money.of("2.50", "USD") == Money.of("7.50", "USD")
    for factor in (1.5, True, "2"):
        with pytest.raises(MoneyError, match="multiplied"):
            Money.of("2.50", "USD") * factor  # type: ignore[operator]


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("2.345", "USD", "2.35"), ("2.344", "USD", "2.34"), ("-2.345", "USD", "-2.35"),
    ("0.005", "USD", "0.01"), ("2.5", "JPY", "3"), ("3.5", "JPY", "4"),
    ("1.2345", "KWD", "1.235"),
])
def test_rounding_is_half_up_away_from_zero_to_the_minor_unit(
        amount: str, currency: str, expected: str) -> None:
    assert Money(Decimal(amount), currency).rounded() == Money(Decimal(expected), currency)
    assert quantize_minor(Decimal(amount), currency) == Decimal(expected)


def test_fmt_shows_exactly_the_minor_digits() -> None:
    assert fmt(Decimal("12.5"), "USD") == "12.50"
    assert fmt(Decimal("1200"), "JPY") == "1200"
    assert fmt(Decimal("0.0049"), "USD") == "0.00"


def test_to_decimal_accepts_int_str_and_decimal() -> None:
    assert to_decimal(3) == Decimal(3)
    assert to_decimal("3.10") == Decimal("3.10")
    assert to_decimal(Decimal("-0.5")) == Decimal("-0.5")


@given(cents, cents)
def test_adding_money_is_exact_and_commutative(a: int, b: int) -> None:
    assert usd(a) + usd(b) == usd(a + b) == usd(b) + usd(a)
    assert usd(a) - usd(b) == -(usd(b) - usd(a))


@given(cents)
def test_money_of_its_own_string_round_trips(a: int) -> None:
    m = usd(a)
    assert Money.of(str(m.amount), "USD") == m


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False))
def test_rounding_moves_at_most_half_a_minor_unit_and_is_idempotent(d: Decimal) -> None:
    r = Money(d, "USD").rounded()
    assert abs(r.amount - d) <= Decimal("0.005")
    assert r.rounded() == r
    assert r.amount == r.amount.quantize(Decimal("0.01"))
