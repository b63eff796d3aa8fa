"""Shipment commands' input."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from pesanan.core.schema import Input, Quantity, Text, Version


class ShipmentLineIn(Input):
    """One line to ship, named by the order line's id or by SKU (exactly one of the two)."""

    order_line_id: str | None = Field(default=None, min_length=1, max_length=36)
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: Quantity

    @model_validator(mode="after")
    def _one_reference(self) -> ShipmentLineIn:
        if (self.order_line_id is None) == (self.sku is None):
            raise ValueError("give exactly one of order_line_id or sku")
        return self


class CreateShipment(Input):
    carrier: Annotated[Text, Field(max_length=60)]  # the column's length (Text says 200)
    service: Literal["parcel", "LTL", "3PL"]
    tracking_number: str = Field(min_length=1, max_length=100)
    # Absent: ship everything the order has not shipped yet.
    lines: list[ShipmentLineIn] | None = Field(default=None, min_length=1, max_length=1000)
    # The order's `version` as read: 409 if it changed since (say an edit changed the lines),
    # so a shipment never sends what the caller did not see (orders.service.require_version).
    expected_version: Version | None = None


# --- fulfilment orders, carriers, 3PL (issue 4) -----------------------------------------------

CarrierCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)]


def _check_template(value: str | None) -> str | None:
    if value is not None and "{tracking}" not in value:
        raise ValueError("the template must contain {tracking}")
    return value


class CarrierCreate(Input):
    code: CarrierCode
    name: Annotated[Text, Field(max_length=100)]  # `Text = Field(...)` would keep 200
    # e.g. https://track.example.com/{tracking}; {tracking} becomes the URL-quoted number.
    tracking_url_template: HttpUrl | None = None

    @field_validator("tracking_url_template")
    @classmethod
    def _template(cls, v: str | None) -> str | None:
        return _check_template(v)


class CarrierUpdate(Input):
    name: Text | None = Field(default=None, max_length=100)
    tracking_url_template: HttpUrl | None = None

    @field_validator("tracking_url_template")
    @classmethod
    def _template(cls, v: str | None) -> str | None:
        return _check_template(v)


class ShipFulfilmentOrder(Input):
    """Ship (some of) one fulfilment order; the carrier is a code from the carrier table."""

    carrier: CarrierCode
    service: Literal["parcel", "LTL", "3PL"] = "parcel"
    tracking_number: str = Field(min_length=1, max_length=100)
    # Absent: everything still on the fulfilment order.
    lines: list[ShipmentLineIn] | None = Field(default=None, min_length=1, max_length=1000)


class FailDelivery(Input):
    reason: Text


class TplEndpointSet(Input):
    url: HttpUrl
    # Absent: the server makes one (shown once in the answer). Given: at least 24 characters.
    secret: str | None = Field(default=None, min_length=24, max_length=200)


class TplShipment(Input):
    carrier: Annotated[Text, Field(max_length=60)]  # the column's length (Text says 200)
    service: Literal["parcel", "LTL", "3PL"] = "3PL"
    tracking_number: str = Field(min_length=1, max_length=100)
    lines: list[ShipmentLineIn] | None = Field(default=None, min_length=1, max_length=1000)


class TplDelivery(Input):
    tracking_number: str = Field(min_length=1, max_length=100)
    status: Literal["delivered", "failed"]
    reason: Text | None = None


class TplCallback(Input):
    """What a 3PL posts back: shipments it sent and/or delivery outcomes, under one event id."""

    event_id: str = Field(min_length=1, max_length=100)
    fulfilment_order_id: str = Field(min_length=1, max_length=36)
    shipments: list[TplShipment] = Field(default_factory=list, max_length=100)
    deliveries: list[TplDelivery] = Field(default_factory=list, max_length=100)
