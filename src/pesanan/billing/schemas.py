"""Billing request bodies. Money comes in as a decimal string; the service checks it against
the order's currency (minor units) because only the order knows which currency applies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pesanan.core.schema import Currency, Input, MoneyStr

PaymentMethod = Literal["card", "bank_transfer", "cash", "cod", "other"]
# The method a payment takes when none is named: the customer's payment preference
# (customers/schemas.py), an invoice customer paying its invoice by bank transfer.
METHOD_FOR_PREFERENCE: dict[str, PaymentMethod] = {
    "card": "card", "bank_transfer": "bank_transfer", "cash": "cash", "cod": "cod",
    "invoice": "bank_transfer"}


class IssueInvoice(Input):
    note: str | None = Field(default=None, min_length=1, max_length=200)


class RecordPayment(Input):
    amount: MoneyStr
    # Absent: the customer's payment preference (METHOD_FOR_PREFERENCE).
    method: PaymentMethod | None = None
    # Optional: when given it must be the order's currency (payments are never converted).
    currency: Currency | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=100)
