from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from pesanan.core.schema import Country, Currency, Input, Quantity, Text, Version


class OrderLineIn(Input):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity


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


# --- holds and edits (orders/holds.py, orders/hold_settings.py, orders/edits.py) -------------

HoldRuleKind = Literal["order_total_above", "credit_limit", "country_not_served",
                       "order_velocity"]


class HoldOrder(Input):
    reason: Text


class ReleaseHold(Input):
    note: str | None = Field(default=None, max_length=500)


class CancelHeldOrder(Input):
    note: Text


class HoldRuleCreate(Input):
    """`parameters` depend on `kind` (see orders/holds_rules.py); checked by the service."""

    kind: HoldRuleKind
    parameters: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    note: str | None = Field(default=None, max_length=200)


class HoldRuleUpdate(Input):
    parameters: dict[str, Any] | None = None
    enabled: bool | None = None
    note: str | None = Field(default=None, max_length=200)


class SetQuantity(Input):
    op: Literal["set_quantity"]
    line_id: str = Field(min_length=1, max_length=36)
    quantity: Quantity


class AddLine(Input):
    op: Literal["add_line"]
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity


class RemoveLine(Input):
    op: Literal["remove_line"]
    line_id: str = Field(min_length=1, max_length=36)


class SetShippingAddress(Input):
    op: Literal["set_shipping_address"]
    address: ShippingAddress


OrderChange = Annotated[SetQuantity | AddLine | RemoveLine | SetShippingAddress,
                        Field(discriminator="op")]


class EditOrder(Input):
    """An edit of a placed order. `expected_version` (the order's `version`, as read) makes the
    edit refuse (409) if anything changed the order since — a shipment, a payment, an edit."""

    expected_version: Version | None = None
    changes: list[OrderChange] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, max_length=500)
