"""Amounts shown and typed by locale (pesanan.core.amounts): the rules, and a round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pesanan.core.amounts import (
    NBSP,
    NO_DECIMALS,
    AmountError,
    format_decimal,
    format_money,
    minor_digits,
    parse_money,
)
from pesanan.core.money import MAX_STORED_AMOUNT

LOCALES = ("id_ID", "en_US")
CURRENCIES = ("IDR", "USD", "JPY", "KWD", "EUR")


@pytest.mark.parametrize(("amount", "currency", "locale", "shown"), [
    ("50000.00", "IDR", "id_ID", f"Rp{NBSP}50.000"),
    ("50000.00", "IDR", "en_US", f"IDR{NBSP}50,000"),
    ("50000.50", "IDR", "id_ID", f"Rp{NBSP}50.000,50"),
    ("-1234567", "IDR", "id_ID", f"-Rp{NBSP}1.234.567"),
    ("1234.5", "USD", "en_US", "$1,234.50"),
    ("1234.5", "USD", "id_ID", "US$1.234,50"),
    ("12.3456", "USD", "en_US", "$12.3456"),  # never rounds
    ("5", "JPY", "en_US", "¥5"),
    ("5.125", "KWD", "en_US", f"KWD{NBSP}5.125"),
])
def test_amounts_are_shown_in_the_locale_without_rounding(amount: str, currency: str,
                                                          locale: str, shown: str) -> None:
    assert format_money(Decimal(amount), currency, locale) == shown


@pytest.mark.parametrize(("text", "currency", "locale", "amount"), [
    ("50.000", "IDR", "id_ID", "50000"),
    ("Rp 50.000", "IDR", "id_ID", "50000"),
    ("Rp50.000,00", "IDR", "id_ID", "50000"),
    (f"Rp{NBSP}1.234.567", "IDR", "id_ID", "1234567"),
    ("rp 50.000", "IDR", "id_ID", "50000"),
    ("50000", "IDR", "id_ID", "50000"),
    ("IDR 50,000", "IDR", "en_US", "50000"),
    ("50.000 IDR", "IDR", "id_ID", "50000"),
    ("1,234.56", "USD", "en_US", "1234.56"),
    ("$1,234.56", "USD", "en_US", "1234.56"),
    ("1.234", "USD", "id_ID", "1234"),
    ("1.234,5", "USD", "id_ID", "1234.5"),
    ("  12,50 ", "EUR", "id_ID", "12.50"),
    ("-Rp 5.000", "IDR", "id_ID", "-5000"),
])
def test_typed_amounts_are_read_in_the_locale(text: str, currency: str, locale: str,
                                              amount: str) -> None:
    assert parse_money(text, currency, locale) == Decimal(amount)


@pytest.mark.parametrize(("text", "currency", "locale", "says"), [
    ("50,5", "IDR", "id_ID", "IDR amounts have no decimals: type 50.000."),
    ("abc", "IDR", "id_ID", "“abc” is not an amount: type it as 50.000."),
    ("", "IDR", "id_ID", "Type an amount."),
    ("   ", "USD", "en_US", "Type an amount."),
    ("1.2.3,4,5", "IDR", "id_ID", "“1.2.3,4,5” is not an amount: type it as 50.000."),
    ("50.00", "IDR", "id_ID", "“50.00” is not an amount: type it as 50.000."),
    ("50000.00", "IDR", "id_ID", "“50000.00” is not an amount: type it as 50.000."),
    ("1.234", "USD", "en_US",
     "“1.234” has 3 decimals, but USD has 2: type it as 50,000.00."),
    ("1.234", "IDR", "en_US", "IDR amounts have no decimals: type 50,000."),
    ("50.000", "IDR", "en_US", "IDR amounts have no decimals: type 50,000."),  # not 50
    ("50,000", "IDR", "id_ID", "IDR amounts have no decimals: type 50.000."),  # not 50
    ("1e5", "USD", "en_US", "“1e5” is not an amount: type it as 50,000.00."),
    ("NaN", "USD", "en_US", "“NaN” is not an amount: type it as 50,000.00."),
    ("5,", "IDR", "id_ID", "“5,” is not an amount: type it as 50.000."),
    ("\u0665\u0660", "IDR", "id_ID", "“\u0665\u0660” is not an amount: type it as 50.000."),
    ("5-", "IDR", "id_ID", "“5-” is not an amount: type it as 50.000."),
    ("5 000", "IDR", "id_ID", "“5 000” is not an amount: type it as 50.000."),
    ("US$ 5", "IDR", "id_ID", "“US$ 5” is not an amount: type it as 50.000."),
    ("1" + "0" * 20, "USD", "en_US", "“100000000000000000000” is more than an amount can be."),
    ("5", "XXX", "en_US", "XXX is not a currency this shop knows."),
])
def test_malformed_or_ambiguous_amounts_are_refused_with_a_sentence(
        text: str, currency: str, locale: str, says: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_money(text, currency, locale)
    assert str(refused.value) == says


def test_the_error_carries_its_template_and_params_for_translation() -> None:
    with pytest.raises(AmountError) as refused:
        parse_money("50,5", "IDR", "id_ID")
    assert refused.value.template == NO_DECIMALS
    assert refused.value.params == {"currency": "IDR", "example": "50.000"}


def test_numbers_keep_every_digit_with_the_locales_separators() -> None:
    assert format_decimal(Decimal("1234.5"), "id_ID") == "1.234,5"
    assert format_decimal(Decimal("1234.5"), "en_US") == "1,234.5"
    assert format_decimal(1000000, "id_ID") == "1.000.000"


@st.composite
def typed_amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    currency = draw(st.sampled_from(CURRENCIES))
    minor = minor_digits(currency)
    most = int(MAX_STORED_AMOUNT.scaleb(minor))  # every amount the system can hold
    units = draw(st.integers(min_value=-most, max_value=most))
    return Decimal(units).scaleb(-minor), currency


@given(typed_amounts(), st.sampled_from(LOCALES))
def test_what_is_shown_reads_back_as_the_same_amount(typed: tuple[Decimal, str],
                                                     locale: str) -> None:
    amount, currency = typed
    assert parse_money(format_money(amount, currency, locale), currency, locale) == amount


@given(typed_amounts(), st.sampled_from(LOCALES))
def test_the_bare_number_reads_back_too(typed: tuple[Decimal, str], locale: str) -> None:
    amount, currency = typed
    shown = format_money(amount, currency, locale)
    number = "".join(ch for ch in shown if ch.isdigit() or ch in ".,-")
    assert parse_money(number, currency, locale) == amount


@given(st.text(max_size=12), st.sampled_from(CURRENCIES), st.sampled_from(LOCALES))
def test_any_text_is_an_exact_amount_or_a_refusal(text: str, currency: str,
                                                  locale: str) -> None:
    try:
        amount = parse_money(text, currency, locale)
    except AmountError as e:
        assert str(e)
    else:
        assert amount.is_finite()
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int)
        assert -exponent <= max(minor_digits(currency), 2 if currency == "IDR" else 0)


@pytest.mark.parametrize(("amount", "currency", "locale", "shown"), [
    ("50000.00", "IDR", "id_ID", "50.000"),
    ("50000.00", "IDR", "en_US", "50,000"),
    ("50000.50", "IDR", "id_ID", "50.000,50"),
    ("1234.5", "USD", "id_ID", "1.234,50"),
    ("12.3456", "USD", "en_US", "12.3456"),
])
def test_without_the_symbol_the_number_follows_the_same_rules(amount: str, currency: str,
                                                               locale: str, shown: str) -> None:
    assert format_money(Decimal(amount), currency, locale, symbol=False) == shown
