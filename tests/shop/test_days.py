"""The shop's business days: pure functions, no database."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from pesanan.shop.days import business_date, day_bounds, local
from pesanan.shop.profile import DEFAULT

JAKARTA = ZoneInfo("Asia/Jakarta")
NEW_YORK = ZoneInfo("America/New_York")


def test_late_new_years_eve_in_utc_is_new_years_day_in_jakarta() -> None:
    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local(at, JAKARTA) == datetime(2027, 1, 1, 6, 30, tzinfo=JAKARTA)
    assert business_date(at, JAKARTA) == date(2027, 1, 1)
    assert business_date(at, ZoneInfo("UTC")) == date(2026, 12, 31)


def test_a_jakarta_day_starts_at_17_utc_the_day_before() -> None:
    assert day_bounds(date(2027, 1, 1), JAKARTA) == (
        datetime(2026, 12, 31, 17, 0, tzinfo=UTC), datetime(2027, 1, 1, 17, 0, tzinfo=UTC))


def test_a_day_across_the_dst_change_is_23_hours_long() -> None:
    start, end = day_bounds(date(2026, 3, 8), NEW_YORK)
    assert (start, end) == (datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
                            datetime(2026, 3, 9, 4, 0, tzinfo=UTC))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        business_date(datetime(2026, 12, 31, 23, 30), JAKARTA)  # noqa: DTZ001


def test_the_default_profile_is_utc_in_english() -> None:
    assert DEFAULT.zone == ZoneInfo("UTC")
    assert (DEFAULT.legal_name, DEFAULT.locale, DEFAULT.currency) == (
        "Pesanan demo shop", "en_US", "IDR")
    assert (DEFAULT.invoice_prefix, DEFAULT.credit_note_prefix,
            DEFAULT.purchase_order_prefix, DEFAULT.delivery_note_prefix) == (
        "INV", "CN", "PO", "SH")
