"""How the documents show amounts, dates and the seller's address (pure: no database).

Amounts are printed from the stored Decimal with exactly the currency's minor digits, the
same digits the ledger and the API carry, so a document agrees with the books to the cent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pesanan.core.amounts import format_money
from pesanan.core.money import quantize_minor


def money(amount: Decimal | str, currency: str, locale: str) -> str:
    """An amount as the documents print it: the one display of amounts (core.amounts) of the
    amount at the currency's minor unit, which is what every invoice, payment and posting
    holds ("Rp 50.000" in id_ID, "IDR 50,000" in en_US)."""
    return format_money(quantize_minor(Decimal(amount), currency), currency, locale)


def local_day(moment: datetime | str, zone: str) -> date:
    """The calendar day of a stored (UTC) moment in the shop's time zone."""
    ts = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return ts.astimezone(ZoneInfo(zone)).date()


def day(moment: datetime | str, zone: str) -> str:
    return local_day(moment, zone).isoformat()


def percent(rate: Decimal | str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"
