from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pesanan.core.schema import Count, Country, Delta, Input, Quantity, StrictInt, Text

Channel = Literal["web", "pos", "phone"]


class LocationCreate(Input):
    code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,32}$")
    name: Text
    kind: Literal["warehouse", "store", "3pl"] = "warehouse"
    # Sourcing (issue 4): see inventory/settings.py and inventory/allocation.py.
    region: str | None = Field(default=None, min_length=1, max_length=100)
    country: Country | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1,
                                           description="null = every channel")


class LocationUpdate(Input):
    """PATCH a location: only the fields given change; `channels: null` = every channel."""
    name: Text | None = None
    region: str | None = Field(default=None, min_length=1, max_length=100)
    country: Country | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1)


class StockSettings(Input):
    """Per SKU and location settings: units sourcing never plans (safety stock)."""
    sku: str = Field(min_length=1, max_length=64)
    location_id: str = Field(min_length=1, max_length=36)
    safety_stock: StrictInt = Field(ge=0, le=1_000_000_000)


class StockAdjustment(Input):
    sku: str = Field(min_length=1, max_length=64)
    location_id: str = Field(min_length=1, max_length=36)
    quantity: Delta = Field(description="Units to add (positive) or remove (negative); not zero")
    reason: Text
    reason_code: Literal["adjustment", "opening"] = Field(
        "adjustment", description="opening: an opening balance, posted against equity (3000) "
        "instead of inventory adjustments (5100); it may only add stock")


# --- stock states (issue 4) -----------------------------------------------------------------

Sku = Annotated[str, Field(min_length=1, max_length=64)]
LocationId = Annotated[str, Field(min_length=1, max_length=36)]


class QuarantineMove(Input):
    """Move units into quarantine (from sellable stock), back out (release) or scrap them."""

    sku: Sku
    location_id: LocationId
    quantity: Quantity
    reason: Text


class TransferLineIn(Input):
    sku: Sku
    quantity: Quantity


class TransferCreate(Input):
    from_location_id: LocationId
    to_location_id: LocationId
    lines: list[TransferLineIn] = Field(min_length=1, max_length=500)
    note: Text | None = None


class TransferReceive(Input):
    """Lines to receive; no lines (or an empty body) receives everything still in transit."""

    lines: list[TransferLineIn] = Field(default_factory=list, max_length=500)


class CountLineIn(Input):
    sku: Sku
    counted: Count


class CountCreate(Input):
    location_id: LocationId
    lines: list[CountLineIn] = Field(min_length=1, max_length=5000)
    post: bool = Field(False, description="Post the differences at once (one transaction)")


class StockImport(Input):
    """The JSON form of an import (the API also takes the CSV itself as text/csv)."""

    csv: str = Field(max_length=2_000_000)
    dry_run: bool = True
