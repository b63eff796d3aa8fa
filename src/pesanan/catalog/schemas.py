from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from pesanan.core.schema import Currency, Input, MoneyStr, RateStr, StrictInt, Text

Sku = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class ProductCreate(Input):
    sku: Sku
    name: Text
    price: MoneyStr
    currency: Currency
    tax_rate: RateStr = "0"
    standard_cost: MoneyStr = "0"
    active: bool = True
    oversell_policy: Literal["deny", "backorder"] = "deny"
    backorder_limit: StrictInt = Field(default=0, ge=0, le=1_000_000_000)


class ProductUpdate(Input):
    name: Text | None = None
    price: MoneyStr | None = None
    tax_rate: RateStr | None = None
    standard_cost: MoneyStr | None = None
    active: bool | None = None
    oversell_policy: Literal["deny", "backorder"] | None = None
    backorder_limit: StrictInt | None = Field(default=None, ge=0, le=1_000_000_000)


class ProductOut(BaseModel):
    id: str
    sku: str
    name: str
    price: str
    currency: str
    tax_rate: str
    standard_cost: str
    active: bool
    oversell_policy: str = "deny"
    backorder_limit: int = 0
    backorder_open: int = 0
    version: int
    created_at: str
    updated_at: str
