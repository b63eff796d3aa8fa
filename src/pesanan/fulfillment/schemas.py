"""Shipment commands' input."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pesanan.core.schema import Input, Text


class ShipmentLineIn(Input):
    """One line to ship, named by the order line's id or by SKU (exactly one of the two)."""

    order_line_id: str | None = Field(default=None, min_length=1, max_length=36)
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)

    @model_validator(mode="after")
    def _one_reference(self) -> ShipmentLineIn:
        if (self.order_line_id is None) == (self.sku is None):
            raise ValueError("give exactly one of order_line_id or sku")
        return self


class CreateShipment(Input):
    carrier: Text = Field(max_length=60)
    service: Literal["parcel", "LTL", "3PL"]
    tracking_number: str = Field(min_length=1, max_length=100)
    # Absent: ship everything the order has not shipped yet.
    lines: list[ShipmentLineIn] | None = Field(default=None, min_length=1, max_length=1000)
