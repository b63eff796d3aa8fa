from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pesanan.core.schema import Country, Email, Input, MoneyStr, StrictInt, Text

PaymentPreference = Literal["card", "bank_transfer", "cash", "cod", "invoice"]


class AddressIn(Input):
    kind: Literal["shipping", "billing"] = "shipping"
    line1: Text
    line2: str | None = Field(default=None, max_length=200)
    city: Annotated[Text, Field(max_length=100)]  # the column's length (Text says 200)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: Country
    is_default: bool = True


class CustomerCreate(Input):
    name: Text
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    kind: Literal["b2c", "b2b"] = "b2c"
    payment_preference: PaymentPreference = "card"
    credit_limit: MoneyStr | None = None
    credit_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    payment_terms_days: StrictInt | None = Field(
        default=None, ge=0, le=365, description="The invoice is due this many days after issue")
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)


class CustomerUpdate(Input):
    """PATCH: only the fields given change; `email`, `phone`, `credit_limit` and
    `payment_terms_days` given as null are cleared. `credit_currency` goes with
    `credit_limit` (default: the one the limit has, else USD)."""

    name: Text | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    kind: Literal["b2c", "b2b"] | None = None
    payment_preference: PaymentPreference | None = None
    credit_limit: MoneyStr | None = None
    credit_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    payment_terms_days: StrictInt | None = Field(
        default=None, ge=0, le=365, description="The invoice is due this many days after issue")
