from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pesanan.core.schema import Country, Currency, Input, Text


class OrderLineIn(Input):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)


class ShippingAddress(Input):
    name: Text
    line1: Text
    line2: str | None = Field(default=None, max_length=200)
    city: Text
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: Country


class PlaceOrder(Input):
    channel: Literal["web", "pos", "phone"]
    customer_id: str = Field(min_length=1, max_length=36)
    currency: Currency | None = None
    lines: list[OrderLineIn] = Field(min_length=1, max_length=1000)
    keyed_by: str | None = Field(default=None, min_length=1, max_length=100)
    keyed_at_location_id: str | None = Field(default=None, max_length=36)
    shipping_address: ShippingAddress | None = None
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _keyed_channels_say_who(self) -> PlaceOrder:
        # A POS or phone order is keyed by staff: record who and where, for accountability.
        if self.channel in ("pos", "phone"):
            missing = [f for f in ("keyed_by", "keyed_at_location_id") if not getattr(self, f)]
            if missing:
                raise ValueError(f"a {self.channel} order must give {' and '.join(missing)}")
        return self


class CancelOrder(Input):
    reason: str = Field(default="cancelled", min_length=1, max_length=200)
