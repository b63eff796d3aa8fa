"""Money: a Decimal amount with an ISO 4217 currency.

One rounding policy for the whole system: ROUND_HALF_UP to the currency's minor unit, applied
only where an amount is *derived* (tax, moving-average cost, allocations) — never on input,
which must already fit the currency's minor unit exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pesanan.core.errors import Invalid

# Minor units per ISO 4217. A currency missing here is refused rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "IDR": 2, "SGD": 2, "MYR": 2, "AUD": 2, "CAD": 2, "CHF": 2,
    "CNY": 2, "INR": 2, "THB": 2, "PHP": 2, "NZD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "HKD": 2,
    "JPY": 0, "KRW": 0, "VND": 0, "KWD": 3, "BHD": 3, "OMR": 3,
}

ROUNDING = ROUND_HALF_UP
# Amounts are stored as integers scaled by 10^STORAGE_SCALE (see pesanan.db.types), so every
# value the system keeps has at most this many decimal places.
STORAGE_SCALE = 4
# The largest amount a BIGINT scaled by 10^4 holds (922,337,203,685,477.5807): any single amount
# or sum the system records must fit, or the driver fails with an overflow.
MAX_STORED_AMOUNT = Decimal(2**63 - 1).scaleb(-STORAGE_SCALE)


def storable(amount: Decimal) -> bool:
    return abs(amount) <= MAX_STORED_AMOUNT


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def check_currency(code: str) -> str:
    if not isinstance(code, str) or code not in MINOR_UNITS:
        raise MoneyError(f"unknown currency {code!r}")
    return code


def to_decimal(value: Any) -> Decimal:
    """Turn a str, int or Decimal into a finite Decimal; floats are refused (binary ≠ decimal)."""
    if isinstance(value, bool | float):
        raise MoneyError("money must not be a float; send a decimal string such as \"12.50\"")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | str):
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a decimal number") from None
    else:
        raise MoneyError(f"{type(value).__name__} cannot be money")
    if not d.is_finite():
        raise MoneyError("money must be a finite number")
    return d


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if not isinstance(self.amount, Decimal):
            raise MoneyError("Money.amount must be a Decimal")
        if not self.amount.is_finite():
            raise MoneyError("money must be a finite number")

    # --- construction -------------------------------------------------------------------
    @classmethod
    def of(cls, value: Any, currency: str) -> Money:
        """Exact money from input: more decimals than the currency has is an error, not a
        silent rounding, because a client that sends 10.005 USD has a bug we should surface."""
        d = to_decimal(value)
        minor = MINOR_UNITS[check_currency(currency)]
        # Checked before quantize, which fails (InvalidOperation) past 28 digits: "1e30".
        if not storable(d):
            raise MoneyError(f"{value} is more than the {MAX_STORED_AMOUNT} an amount can be")
        if d != d.quantize(Decimal(1).scaleb(-minor), rounding=ROUNDING):
            raise MoneyError(f"{value} has more than {minor} decimal places for {currency}")
        return cls(d.quantize(Decimal(1).scaleb(-minor)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    # --- arithmetic ---------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise MoneyError("money can only be multiplied by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """Round to the currency's minor unit with the one policy (half up)."""
        minor = MINOR_UNITS[self.currency]
        return Money(self.amount.quantize(Decimal(1).scaleb(-minor), rounding=ROUNDING),
                     self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def quantize_minor(amount: Decimal, currency: str) -> Decimal:
    minor = MINOR_UNITS[check_currency(currency)]
    return amount.quantize(Decimal(1).scaleb(-minor), rounding=ROUNDING)


def fmt(amount: Decimal, currency: str) -> str:
    """Decimal string with exactly the currency's minor digits, as the API shows money."""
    return str(quantize_minor(amount, currency))


def read_amount(value: str, currency: str, inv: Invalid, field: str) -> Decimal:
    """An amount typed in by a person, as exact money in `currency`; a malformed one is noted
    in `inv` beside `field` (and reads as zero) so the caller reports every error at once.
    Payments, refunds, prices, costs and offers all read money this one way."""
    try:
        return Money.of(value, currency).amount
    except MoneyError as e:
        inv.add(field, "invalid_money", str(e))
        return Decimal(0)
