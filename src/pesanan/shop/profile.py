"""The shop's profile as a plain value: who the shop is, where its day begins and ends, and how
its documents are numbered. Pure (no database): service.profile() builds it from the one row."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

# The console's languages (issue 12); a locale outside this list is refused, not guessed.
SUPPORTED_LOCALES: tuple[str, ...] = ("en_US", "id_ID")
LOGO_TYPES: tuple[str, ...] = ("image/png", "image/svg+xml", "image/jpeg")


@dataclass(frozen=True)
class ShopProfile:
    legal_name: str
    address: str  # several lines, as printed on documents
    tax_id: str | None  # NPWP in Indonesia
    email: str | None
    phone: str | None
    logo: bytes | None
    logo_type: str | None  # one of LOGO_TYPES when there is a logo
    time_zone: str  # IANA name, e.g. "Asia/Jakarta"
    locale: str  # one of SUPPORTED_LOCALES
    currency: str  # ISO 4217, one pesanan.core.money knows
    invoice_footer: str
    payment_instructions: str
    invoice_prefix: str
    credit_note_prefix: str
    purchase_order_prefix: str
    delivery_note_prefix: str

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


# What the shop is before anyone sets it: today's numbers (INV-, CN-, PO-, SH-) and UTC days.
# IDR is the currency the demo catalogue and the tests price in (demo/data.py CURRENCY).
DEFAULT = ShopProfile(
    legal_name="Pesanan demo shop", address="", tax_id=None, email=None, phone=None,
    logo=None, logo_type=None, time_zone="UTC", locale="en_US", currency="IDR",
    invoice_footer="", payment_instructions="", invoice_prefix="INV",
    credit_note_prefix="CN", purchase_order_prefix="PO", delivery_note_prefix="SH",
)


def profile_view(p: ShopProfile) -> dict[str, object]:
    """The profile as the API shows it: every field but the logo's bytes (GET /shop/logo
    serves those), with the logo's type and size instead."""
    view: dict[str, object] = {name: getattr(p, name) for name in VIEW_FIELDS}
    view["logo"] = (None if p.logo is None
                    else {"type": p.logo_type, "size": len(p.logo), "url": "/api/v1/shop/logo"})
    return view


VIEW_FIELDS: tuple[str, ...] = (
    "legal_name", "address", "tax_id", "email", "phone", "time_zone", "locale", "currency",
    "invoice_footer", "payment_instructions", "invoice_prefix", "credit_note_prefix",
    "purchase_order_prefix", "delivery_note_prefix",
)
