"""Purchasing request bodies. Quantities are whole units; money comes in as decimal strings and
the service checks it against the currency's minor units."""

from __future__ import annotations

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from pesanan.core.schema import Currency, Input, MoneyStr, Text

MAX_QTY = 1_000_000


class SupplierCreate(Input):
    name: Text
    email: EmailStr | None = None
    currency: Currency


class SupplierOfferCreate(Input):
    supplier_id: str = Field(min_length=1, max_length=36)
    sku: str = Field(min_length=1, max_length=64)
    price: MoneyStr
    currency: Currency
    lead_time_days: int = Field(ge=0, le=3650)
    min_order_qty: int = Field(default=1, ge=1, le=MAX_QTY)


class ReorderRuleSet(Input):
    sku: str = Field(min_length=1, max_length=64)
    location_id: str = Field(min_length=1, max_length=36)
    reorder_point: int = Field(ge=0, le=MAX_QTY)
    reorder_qty: int = Field(ge=1, le=MAX_QTY)


class PurchaseOrderLineIn(Input):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=MAX_QTY)
    unit_cost: MoneyStr | None = Field(
        default=None, description="Defaults to the supplier's offer price for the SKU")


class PurchaseOrderCreate(Input):
    supplier_id: str = Field(min_length=1, max_length=36)
    location_id: str = Field(min_length=1, max_length=36)
    lines: list[PurchaseOrderLineIn] = Field(min_length=1, max_length=500)
    expected_at: AwareDatetime | None = Field(
        default=None, description="Defaults to now + the longest offer lead time of the lines")


class ReceiptLineIn(Input):
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    purchase_order_line_id: str | None = Field(default=None, min_length=1, max_length=36)
    quantity: int = Field(gt=0, le=MAX_QTY)

    @model_validator(mode="after")
    def _one_reference(self) -> ReceiptLineIn:
        if (self.sku is None) == (self.purchase_order_line_id is None):
            raise ValueError("give either sku or purchase_order_line_id")
        return self


class ReceivePurchaseOrder(Input):
    """No lines (or no body) receives everything still outstanding."""

    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=500)


class CancelPurchaseOrder(Input):
    reason: str = Field(default="cancelled", min_length=1, max_length=200)
