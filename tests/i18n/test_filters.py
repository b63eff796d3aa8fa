"""The console's |money, |datetime and |date filters follow the active locale (web/i18n.py), and
|datetime composes with the shop's clock (|in_shop_zone, web/shop_time.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pesanan.web import i18n, shop_time
from pesanan.web.deps import templates

PAGE = templates.env.from_string(
    "{{ _('Orders') }}|{{ a|money(cur) }}|{{ b|money }}|{{ ts|datetime }}|{{ ts|date }}|"
    "{{ ts|in_shop_zone|datetime }}|{{ _(status|string|replace('_', ' ')) }}")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    i18n.activate("en_US")


def _render(locale: str, **values: object) -> list[str]:
    i18n.activate(locale)
    shop_time._zone.set(ZoneInfo("Asia/Jakarta"))
    ctx = {"a": "50000.00", "cur": "IDR", "b": "1234.50", "ts": "2026-12-31T23:30:00+00:00",
           "status": "on_hold", **values}
    return PAGE.render(**ctx).split("|")


def test_an_indonesian_page_reads_indonesian_numbers_and_dates() -> None:
    assert _render("id_ID") == ["Pesanan", "50.000", "1.234,50", "31 Des 2026 23.30",
                                "31 Des 2026", "1 Jan 2027 06.30", "ditahan"]


def test_an_english_page_reads_english_numbers_and_dates() -> None:
    assert _render("en_US") == ["Orders", "50,000", "1,234.50", "Dec 31, 2026, 23:30",
                                "Dec 31, 2026", "Jan 1, 2027, 06:30", "on hold"]


def test_amounts_keep_every_digit_and_odd_values_pass_through() -> None:
    assert _render("id_ID", a="12.3456", cur="USD")[1] == "12,3456"  # never rounded
    assert _render("en_US", a="50000.50", cur="IDR")[1] == "50,000.50"
    assert _render("en_US", a="n/a")[1] == "n/a"
    assert _render("en_US", b="-7")[2] == "-7"


def test_a_naive_time_is_utc_and_a_date_stays_a_date() -> None:
    assert _render("en_US", ts=datetime(2026, 12, 2, 13, 5))  # noqa: DTZ001 (naive on purpose)[3] == "Dec 2, 2026, 13:05"
    assert _render("id_ID", ts=date(2026, 8, 17))[4] == "17 Agu 2026"
    assert _render("en_US", ts="")[3] == ""


def test_an_unknown_locale_falls_back_to_english() -> None:
    i18n.activate("fr_FR")
    assert i18n.active_locale() == "en_US"
