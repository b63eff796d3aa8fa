"""Returns request bodies (the API, the console and the CLI all parse into these)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pesanan.billing.schemas import PaymentMethod
from pesanan.core.schema import Input, MoneyStr, Quantity, Text
from pesanan.orders.schemas import OrderLineIn


class ReturnLineIn(Input):
    # The order line by id, or by SKU when the order has it on one line only.
    order_line_id: str | None = Field(default=None, min_length=1, max_length=36)
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: Quantity
    reason: Text

    @model_validator(mode="after")
    def _one_reference(self) -> ReturnLineIn:
        if (self.order_line_id is None) == (self.sku is None):
            raise ValueError("give exactly one of order_line_id and sku")
        return self


class RequestReturn(Input):
    order_id: str = Field(min_length=1, max_length=36)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, min_length=1, max_length=500)


class Decide(Input):
    note: str | None = Field(default=None, min_length=1, max_length=500)


class Reject(Input):
    reason: Text


class ReceivedLineIn(Input):
    rma_line_id: str = Field(min_length=1, max_length=36)
    disposition: Literal["restock", "quarantine", "scrap"]


class ReceiveReturn(Input):
    location_id: str = Field(min_length=1, max_length=36)
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=1000)


class RefundReturn(Input):
    # Absent: the credit note's open amount (capped by what was paid and not yet refunded).
    amount: MoneyStr | None = None
    # Absent: back the way the order was paid (its latest payment's method).
    method: PaymentMethod | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=100)


class ExchangeReturn(Input):
    lines: list[OrderLineIn] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, min_length=1, max_length=500)
