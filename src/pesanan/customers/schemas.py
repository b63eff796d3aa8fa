from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pesanan.core.schema import Country, Email, Input, MoneyStr, Text

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
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
