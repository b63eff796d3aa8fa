from __future__ import annotations

from typing import Literal

from pydantic import Field

from pesanan.core.schema import Input, Text


class LocationCreate(Input):
    code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,32}$")
    name: Text
    kind: Literal["warehouse", "store", "3pl"] = "warehouse"


class StockAdjustment(Input):
    sku: str = Field(min_length=1, max_length=64)
    location_id: str = Field(min_length=1, max_length=36)
    quantity: int = Field(description="Units to add (positive) or remove (negative); not zero")
    reason: Text
