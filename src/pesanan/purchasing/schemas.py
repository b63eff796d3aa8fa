"""Purchasing request bodies. Quantities are whole units; money comes in as decimal strings and
the service checks it against the currency's minor units."""

from __future__ import annotations

from pydantic import Field, model_validator

from pesanan.core.schema import (
    MAX_QUANTITY,
    Currency,
    Email,
    Input,
    MoneyStr,
    Quantity,
    StrictInt,
    Text,
    UtcTimestamp,
)

MAX_QTY = MAX_QUANTITY


class SupplierCreate(Input):
    name: Text
    email: Email | None = None
    currency: Currency


class SupplierOfferCreate(Input):
    supplier_id: str = Field(min_length=1, max_length=36)
    sku: str = Field(min_length=1, max_length=64)
    price: MoneyStr
    currency: Currency
    lead_time_days: StrictInt = Field(ge=0, le=3650)
    min_order_qty: StrictInt = Field(default=1, ge=1, le=MAX_QTY)


class ReorderRuleSet(Input):
    sku: str = Field(min_length=1, max_length=64)
    location_id: str = Field(min_length=1, max_length=36)
    reorder_point: StrictInt = Field(ge=0, le=MAX_QTY)
    reorder_qty: StrictInt = Field(ge=1, le=MAX_QTY)


class PurchaseOrderLineIn(Input):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity
    unit_cost: MoneyStr | None = Field(
        default=None, description="Defaults to the supplier's offer price for the SKU")


class PurchaseOrderCreate(Input):
    supplier_id: str = Field(min_length=1, max_length=36)
    location_id: str = Field(min_length=1, max_length=36)
    lines: list[PurchaseOrderLineIn] = Field(min_length=1, max_length=500)
    expected_at: UtcTimestamp | None = Field(
        default=None, description="Defaults to now + the longest offer lead time of the lines")


class ReceiptLineIn(Input):
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    purchase_order_line_id: str | None = Field(default=None, min_length=1, max_length=36)
    quantity: Quantity

    @model_validator(mode="after")
    def _one_reference(self) -> ReceiptLineIn:
        if (self.sku is None) == (self.purchase_order_line_id is None):
            raise ValueError("give either sku or purchase_order_line_id")
        return self


class ReceivePurchaseOrder(Input):
    """No lines (or no body) receives everything still outstanding."""

    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=500)


class Replenish(Input):
    """No body (or no location) replenishes every location."""

    location_id: str | None = Field(default=None, min_length=1, max_length=36,
                                    description="Only this location's reorder rules")


class CancelPurchaseOrder(Input):
    reason: str = Field(default="cancelled", min_length=1, max_length=200)


class PurchaseOrderLineUpdate(Input):
    """A draft's line changed: only the fields given."""

    quantity: Quantity | None = None
    unit_cost: MoneyStr | None = None
