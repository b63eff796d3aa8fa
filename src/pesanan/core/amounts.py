"""Amounts as people read and type them, by locale (Babel / CLDR): the one way money is shown
and the one way a typed amount is read.

`format_money` never rounds: it shows at least the currency's minor digits and every digit the
amount has. Rupiah is shown in whole units when the amount is whole ("Rp 50.000"), as people
write it, and typed in whole units only: "50,5" rupiah is refused rather than kept as a
fraction nobody pays.

`parse_money` reads what `format_money` writes, in the same locale, and refuses (AmountError)
anything it would have to guess: a separator in the wrong place ("50.00" in id_ID, where "." groups
thousands), more decimals than the currency has ("1.234" USD in en_US), letters, an empty field.
The error carries an English sentence with %(name)s placeholders (`template`) and its `params`,
so the console can translate it (the catalogues hold these sentences: `N_` marks them).
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    NumberPattern,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from babel.numbers import (
    format_decimal as _babel_format_decimal,
)

from pesanan.core.money import MINOR_UNITS, storable

DEFAULT_LOCALE = "en_US"
# Currencies typed and shown in whole units (CLDR: rupiah has no cash fraction); the system
# still stores them with the minor digits of MINOR_UNITS.
WHOLE_UNIT_CURRENCIES = frozenset({"IDR"})
# Symbols people type for a currency besides its ISO code and the locale's own symbol.
_EXTRA_SYMBOLS: dict[str, tuple[str, ...]] = {"IDR": ("Rp",)}
NBSP = "\u00a0"


def N_(message: str) -> str:
    """Marks a sentence for the catalogues (pybabel extract -k N_) without translating it."""
    return message


EMPTY = N_("Type an amount.")
MALFORMED = N_("“%(text)s” is not an amount: type it as %(example)s.")
NO_DECIMALS = N_("%(currency)s amounts have no decimals: type %(example)s.")
TOO_MANY_DECIMALS = N_("“%(text)s” has %(places)s decimals, but %(currency)s has %(minor)s: "
                       "type it as %(example)s.")
TOO_LARGE = N_("“%(text)s” is more than an amount can be.")
UNKNOWN_CURRENCY = N_("%(currency)s is not a currency this shop knows.")


class AmountError(ValueError):
    """A typed amount that cannot be read. `template % params` is the English sentence; the
    console translates `template` and fills in the same params."""

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params)


@cache
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def minor_digits(currency: str) -> int:
    """Decimals a person types and sees for `currency` (0 for whole-unit currencies)."""
    return 0 if currency in WHOLE_UNIT_CURRENCIES else MINOR_UNITS.get(currency, 2)


def _places(amount: Decimal, minor: int) -> int:
    """The decimals to show: the currency's, or more when the amount has them (never round)."""
    if not amount.is_finite():
        return minor
    exponent = amount.normalize().as_tuple().exponent
    needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if minor == 0 and needed:  # a real fraction of a whole-unit currency: show it as cents
        return max(needed, 2)
    return max(needed, minor)


def format_money(amount: Decimal, currency: str, locale: str, *, symbol: bool = True) -> str:
    """THE display of an amount: "Rp 50.000" (id_ID), "IDR 50,000" and "$1,234.50" (en_US).
    `symbol=False` gives the number alone ("50.000"), for a table that names the currency in
    a column of its own or beside the number, as the console's do."""
    loc = _locale(locale)
    places = _places(amount, minor_digits(currency))
    if not symbol:
        return format_decimal(amount, locale, places)
    pattern: NumberPattern = copy.copy(loc.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    text = pattern.apply(amount, loc, currency=currency, currency_digits=False)
    return _space_after_letters(text, get_currency_symbol(currency, loc))


def _space_after_letters(text: str, symbol: str) -> str:
    """CLDR currency spacing, which Babel leaves out: a symbol ending in a letter ("Rp", "IDR")
    is kept apart from the digits by a no-break space; "$" and "US$" are not."""
    if not symbol or not symbol[-1].isalpha():
        return text
    at = text.find(symbol)
    end = at + len(symbol)
    if at >= 0 and end < len(text) and text[end].isdigit():
        return text[:end] + NBSP + text[end:]
    return text


def format_decimal(value: Decimal | int, locale: str, places: int | None = None) -> str:
    """A number with the locale's separators, every digit kept: 1234.5 -> "1.234,5" (id_ID);
    with `places`, at least that many decimals ("50.000,00")."""
    if places is None:
        return _babel_format_decimal(value, locale=_locale(locale), decimal_quantization=False)
    loc = _locale(locale)
    pattern: NumberPattern = copy.copy(loc.decimal_formats[None])
    pattern.frac_prec = (places, max(places, _places(Decimal(value), places)))
    return str(pattern.apply(Decimal(value), loc))


def example(currency: str, locale: str) -> str:
    """How an amount is typed in `locale`: "50.000" (IDR, id_ID), "50,000.00" (USD, en_US)."""
    return format_decimal(50000, locale, minor_digits(currency))


def _without_symbol(text: str, currency: str, loc: Locale) -> str:
    """The number with one currency symbol or code taken off its front or back."""
    symbols = {currency, get_currency_symbol(currency, loc), *_EXTRA_SYMBOLS.get(currency, ())}
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:].lstrip()
    for symbol in sorted(symbols, key=len, reverse=True):  # "US$" before "$"
        if text.upper().startswith(symbol.upper()):
            return sign + text[len(symbol):].strip()
        if text.upper().endswith(symbol.upper()):
            return sign + text[:-len(symbol)].strip()
    return sign + text


def parse_money(text: str, currency: str, locale: str) -> Decimal:
    """The amount a person typed, exactly, or AmountError with the reason."""
    if currency not in MINOR_UNITS:
        raise AmountError(UNKNOWN_CURRENCY, currency=str(currency))
    loc = _locale(locale)
    shown = " ".join(str(text).replace(NBSP, " ").split())
    if not shown:
        raise AmountError(EMPTY)
    number = _without_symbol(shown, currency, loc)
    amount = _read_number(number, loc)
    if amount is None or not storable(amount):
        tmpl = TOO_LARGE if amount is not None else MALFORMED
        raise AmountError(tmpl, text=shown, example=example(currency, locale))
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    minor = minor_digits(currency)
    # Rupiah: a zero fraction of at most the stored digits ("50.000,00") is fine; any other
    # fraction is refused, "50.000" in en_US too (fifty, or fifty thousand typed the Indonesian
    # way? equal to 50, but not what was meant).
    if currency in WHOLE_UNIT_CURRENCIES and (amount != amount.to_integral_value()
                                              or places > MINOR_UNITS[currency]):
        raise AmountError(NO_DECIMALS, currency=currency, example=example(currency, locale))
    if places > minor and currency not in WHOLE_UNIT_CURRENCIES:
        raise AmountError(TOO_MANY_DECIMALS, text=shown, places=str(places),
                          currency=currency, minor=str(minor),
                          example=example(currency, locale))
    return amount


def _read_number(number: str, loc: Locale) -> Decimal | None:
    """Babel's strict parse (group sizes checked), after refusing what it lets through but
    money cannot be: exponents, NaN, other scripts' digits, a sign anywhere but the front,
    a decimal separator with nothing after it."""
    decimal_sign, group_sign = get_decimal_symbol(loc), get_group_symbol(loc)
    body = number[1:] if number.startswith("-") else number
    allowed = set("0123456789") | {decimal_sign, group_sign}
    if not body or (not body[0].isdigit() and not body.startswith(decimal_sign)):
        return None
    if any(ch not in allowed for ch in body) or body.endswith((decimal_sign, group_sign)):
        return None
    try:
        amount = parse_decimal(number, locale=loc, strict=True)
    except (NumberFormatError, InvalidOperation):
        return None
    return amount if amount.is_finite() else None
