from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from pesanan.core.schema import Currency, Input, MoneyStr, RateStr, Text

Sku = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class ProductCreate(Input):
    sku: Sku
    name: Text
    price: MoneyStr
    currency: Currency
    tax_rate: RateStr = "0"
    standard_cost: MoneyStr = "0"
    active: bool = True


class ProductUpdate(Input):
    name: Text | None = None
    price: MoneyStr | None = None
    tax_rate: RateStr | None = None
    standard_cost: MoneyStr | None = None
    active: bool | None = None


class ProductOut(BaseModel):
    id: str
    sku: str
    name: str
    price: str
    currency: str
    tax_rate: str
    standard_cost: str
    active: bool
    version: int
    created_at: str
    updated_at: str
