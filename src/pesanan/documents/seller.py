"""The shop as its documents print it: built from the shop's profile (pesanan.shop)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import Connection

from pesanan.documents.labels import labels, language
from pesanan.shop import service as shop
from pesanan.shop.profile import ShopProfile


@dataclass(frozen=True)
class Seller:
    legal_name: str
    address_lines: list[str]
    tax_id: str | None
    contact: str
    logo_uri: str | None
    footer: str
    payment_instructions: str


def seller_of(p: ShopProfile) -> Seller:
    logo = None
    if p.logo and p.logo_type:
        logo = f"data:{p.logo_type};base64,{base64.b64encode(p.logo).decode('ascii')}"
    return Seller(
        legal_name=p.legal_name,
        address_lines=[x.strip() for x in p.address.splitlines() if x.strip()],
        tax_id=p.tax_id or None,
        contact=" · ".join(x for x in (p.email, p.phone) if x),
        logo_uri=logo, footer=p.invoice_footer, payment_instructions=p.payment_instructions)


def common(conn: Connection) -> dict[str, object]:
    """What every document's template is given: the seller, the shop's locale, language,
    labels and time zone."""
    p = shop.profile(conn)
    return {"seller": seller_of(p), "locale": p.locale, "lang": language(p.locale),
            "L": labels(p.locale), "zone": p.time_zone}
