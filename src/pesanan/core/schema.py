"""Shared Pydantic building blocks for input schemas (no FastAPI, no SQLAlchemy).

Every value a request can carry is bounded here to what the database holds, so bad input is a
422 naming the field, never a 500 from a driver: integers fit BIGINT, amounts fit the BIGINT
scaled by 10^4 (pesanan.db.types.Amount), text has no NUL (PostgreSQL refuses it), and
timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from pesanan.core.emails import normalize_email

INT64_MAX = 2**63 - 1
# A quantity of one line or one move. Small enough that a quantity times the largest price
# stays exact in Decimal, and that a sum of many of them still fits a BIGINT.
MAX_QUANTITY = 1_000_000
# One stock adjustment (an opening balance may be large); its value is checked to fit as money.
MAX_STOCK_CHANGE = 1_000_000_000
# Context key set by callers whose input is text (console forms, command-line arguments):
# their integers come as strings of digits. The API never sets it.
FORM_CONTEXT = "form"


def ascii_int(text: str) -> int | None:
    """An optionally signed run of ASCII digits as an int, else None. `str.isdigit()` is true
    for '²' and '①', which `int()` then refuses: only 0-9 count here. At most 19 digits, so
    a 200 KB run of digits is never converted (int() of huge strings is slow and capped)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or len(body) > 19 or not all("0" <= c <= "9" for c in body):
        return None
    return int(text)


def document_number(text: str) -> int | None:
    """The number in a typed reference (SO-000123 -> 123): ASCII digits only and small enough
    for a BIGINT column, else None (a search for '²' or 30 digits finds nothing, no 500)."""
    digits = text.strip()
    if not digits or len(digits) > 18 or not all("0" <= c <= "9" for c in digits):
        return None
    return int(digits)


def _strict_int(value: Any, info: ValidationInfo) -> Any:
    # JSON integers only: "2" and true are refused (bool is an int subclass in Python, and a
    # string quantity is a client bug worth surfacing). A console form posts text; it says so
    # through the validation context and its ASCII digits are parsed here, in one place.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and info.context and info.context.get(FORM_CONTEXT):
        parsed = ascii_int(value.strip())
        if parsed is None:
            raise ValueError("Enter a whole number.")  # digits 0-9 only
        return parsed
    raise ValueError("must be a JSON integer")


StrictInt = Annotated[int, BeforeValidator(_strict_int)]
Quantity = Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]
# A signed change of stock (adjustments): bounded like a quantity, in both directions.
Delta = Annotated[StrictInt, Field(ge=-MAX_STOCK_CHANGE, le=MAX_STOCK_CHANGE)]
# A row's `version` as read (optimistic concurrency): any BIGINT the server could have issued.
Version = Annotated[StrictInt, Field(ge=1, le=INT64_MAX)]


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise ValueError("the timestamp is out of range") from None


# A timestamp in a body: RFC 3339 with an offset (a naive one is refused), kept as UTC.
UtcTimestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]
# A timestamp filter in a query (created_at_min=...) read as UTC: a date means the start of that
# day and a naive time means UTC.
UtcFilter = Annotated[datetime, AfterValidator(_to_utc)]


def _aware_to_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else _to_utc(value)


# A timestamp filter in the shop's time: one with an offset is kept as UTC; a date (the start of
# that day) or a naive time stays naive here and is read in the shop's zone by the route
# (pesanan.shop.service.in_utc: the shop's zone is a database read, not core's to make).
ShopFilter = Annotated[datetime, AfterValidator(_aware_to_utc)]

# Money in: a decimal string. JSON numbers are refused (a float cannot be money exactly);
# the service checks the currency's minor units with Money.of. 14 integer digits and 4
# decimals always fit the BIGINT x 10^4 column; sums are checked where they are computed.
MoneyStr = Annotated[str, StringConstraints(pattern=r"^-?\d{1,14}(\.\d{1,4})?$")]
RateStr = Annotated[str, StringConstraints(pattern=r"^\d{1,2}(\.\d{1,4})?$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def has_nul(value: Any) -> bool:
    """True when a str (or a list/dict of them, at any depth) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


class Input(BaseModel):
    """Base for every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # PostgreSQL cannot store NUL in text, and no name, SKU or note needs one: refused here,
    # for every field of every body (nested bodies are Inputs too, free-form dicts are walked).
    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("text must not contain a NUL character")
        return value


# Syntax only (pesanan.core.emails): special-use domains such as .local are fine to store.
Email = Annotated[str, AfterValidator(normalize_email)]
