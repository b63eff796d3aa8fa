"""CSV cells (pure): what a spreadsheet would run as a formula is written as text; numbers,
negative amounts included, stay exactly as they are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pesanan.analytics.export import cell, filename


@pytest.mark.parametrize(("value", "written"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+62 812 555", "'+62 812 555"),
    ("-1+1", "'-1+1"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("-12.50", "-12.50"),
    ("1250000.00", "1250000.00"),
    ("Ada = Lovelace", "Ada = Lovelace"),
    (None, ""),
    (3, "3"),
])
def test_a_formula_gets_a_leading_apostrophe_and_a_number_does_not(value: object,
                                                                    written: str) -> None:
    assert cell(value) == written


def test_the_filename_carries_the_day_and_nothing_a_header_could_break_on() -> None:
    at = datetime(2026, 12, 2, 23, 59, tzinfo=UTC)
    assert filename("orders", at) == "orders-20261202.csv"
    assert filename('movements-A"B/C', at) == "movements-A_B_C-20261202.csv"
