"""What a shop setting may be (pure): each check adds a sentence for its field to `inv`, and
returns the value to store. Every field is checked before anything is written."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pesanan.core.emails import normalize_email
from pesanan.core.errors import Invalid
from pesanan.core.money import MINOR_UNITS
from pesanan.shop.profile import SUPPORTED_LOCALES

MAX_LOGO_BYTES = 512 * 1024
PREFIX = re.compile(r"[A-Z0-9/-]{1,10}")
PREFIXES = ("invoice_prefix", "credit_note_prefix", "purchase_order_prefix",
            "delivery_note_prefix")
REQUIRED_TEXT = ("legal_name",)
OPTIONAL_TEXT = ("tax_id", "phone")
FREE_TEXT = ("address", "invoice_footer", "payment_instructions")
# An SVG: optional XML declaration, comments and doctype, then the <svg> element.
_SVG = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?"
                  rb"(<!--.*?-->\s*)*<svg[\s>]", re.DOTALL | re.IGNORECASE)
# A logo is drawn on documents and the console; one that runs script is refused outright
# (it is also served with a CSP that forbids script, api/routes/shop.py).
_SVG_ACTIVE = re.compile(rb"<script|javascript:|\son[a-z]+\s*=|<foreignObject",
                         re.IGNORECASE)


def logo_type(data: bytes) -> str | None:
    """The image type by its first bytes, not by what the sender says it is."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if _SVG.match(data[:4096]):
        return "image/svg+xml"
    return None


def check_logo(data: bytes, inv: Invalid, field: str = "logo") -> str | None:
    """The logo's type, or None with a sentence in `inv`."""
    if len(data) > MAX_LOGO_BYTES:
        inv.add(field, "too_large", f"The logo is {len(data) // 1024} KiB; at most 512 KiB.")
        return None
    kind = logo_type(data)
    if kind is None:
        inv.add(field, "not_an_image", "The logo must be a PNG, JPEG or SVG image.")
    elif kind == "image/svg+xml" and _SVG_ACTIVE.search(data):
        inv.add(field, "unsafe_svg", "The SVG logo may not contain scripts or event handlers.")
        return None
    return kind


def decode_logo(text: str, inv: Invalid) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        inv.add("logo", "invalid", "The logo must be base64 (of a PNG, JPEG or SVG image).")
        return None


def check_time_zone(name: Any, inv: Invalid) -> str | None:
    # ZoneInfo alone accepts file paths under the tz database ("posixrules", "right/UTC"):
    # only the names the database lists as zones are shop time zones.
    if isinstance(name, str) and name in available_timezones():
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    inv.add("time_zone", "unknown_time_zone",
            f"{name!r} is not an IANA time zone (such as Asia/Jakarta or UTC).")
    return None


def check(changes: dict[str, Any], inv: Invalid) -> dict[str, Any]:
    """The columns to write for `changes` (field -> value as sent). Bad fields go to `inv`."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field in REQUIRED_TEXT:
            if not value:
                inv.add(field, "required", "The shop's legal name may not be empty.")
            out[field] = value
        elif field in OPTIONAL_TEXT:
            out[field] = value or None
        elif field in FREE_TEXT:
            out[field] = value or ""
        elif field == "email":
            out[field] = _email(value, inv)
        elif field == "time_zone":
            out[field] = check_time_zone(value, inv)
        elif field == "locale":
            if value not in SUPPORTED_LOCALES:
                inv.add(field, "unsupported_locale",
                        f"{value!r} is not a supported locale: {', '.join(SUPPORTED_LOCALES)}.")
            out[field] = value
        elif field == "currency":
            if value not in MINOR_UNITS:
                inv.add(field, "unknown_currency", f"{value!r} is not a currency Pesanan knows "
                        "(an ISO 4217 code such as IDR or USD).")
            out[field] = value
        elif field in PREFIXES:
            if not isinstance(value, str) or not PREFIX.fullmatch(value):
                inv.add(field, "invalid_prefix", "A prefix is 1-10 characters of A-Z, 0-9, "
                        "'-' and '/'.")
            out[field] = value
        elif field == "logo":
            out.update(_logo(value, inv))
    return out


def _email(value: Any, inv: Invalid) -> str | None:
    if not value:
        return None
    try:
        return normalize_email(value)
    except ValueError as exc:
        inv.add("email", "invalid_email", str(exc) or "Not an email address.")
        return None


def _logo(value: Any, inv: Invalid) -> dict[str, Any]:
    if value is None:
        return {"logo": None, "logo_type": None}
    data = decode_logo(value, inv)
    if data is None:
        return {}
    return {"logo": data, "logo_type": check_logo(data, inv)}
