"""Input for changing the shop's settings (pure). Only the fields to change; `null` clears an
optional one (tax id, email, phone, logo). Shapes and lengths are checked here, meaning (a
real time zone, a known currency, a logo that is an image) in shop/rules.py."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from pesanan.core.schema import Input

Line = Annotated[str, StringConstraints(max_length=200)]
Short = Annotated[str, StringConstraints(max_length=64)]
Block = Annotated[str, StringConstraints(max_length=2000)]
# Base64 of at most 512 KiB (4 characters per 3 bytes, with some room for line breaks).
LogoB64 = Annotated[str, StringConstraints(max_length=720_000)]


class ShopSettingsIn(Input):
    legal_name: Line | None = None
    address: Annotated[str, StringConstraints(max_length=1000)] | None = None
    tax_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    logo: LogoB64 | None = None  # base64 of a PNG, JPEG or SVG; its type is read from it
    time_zone: Short | None = None
    locale: Short | None = None
    currency: Short | None = None
    invoice_footer: Block | None = None
    payment_instructions: Block | None = None
    invoice_prefix: Short | None = None
    credit_note_prefix: Short | None = None
    purchase_order_prefix: Short | None = None
    delivery_note_prefix: Short | None = None
