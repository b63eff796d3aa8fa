"""The documents' words and formats (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pesanan.documents import formats, labels


def test_labels_follow_the_shops_language_and_fall_back_to_english() -> None:
    assert labels.labels("id_ID")["invoice"] == "Faktur"
    assert labels.labels("id_ID")["delivery_note"] == "Surat jalan"
    assert labels.labels("en_US")["invoice"] == "Invoice"
    assert labels.labels("fr_FR")["invoice"] == "Invoice"
    assert labels.language("id-ID") == "id" and labels.language("de") == "en"


def test_every_label_has_an_indonesian_word() -> None:
    assert sorted(set(labels.EN) - set(labels.ID)) == []
    assert sorted(set(labels.ID) - set(labels.EN)) == []


def test_amounts_are_shown_at_the_currencys_minor_unit_in_the_shops_locale() -> None:
    assert formats.money(Decimal("166500.0000"), "IDR", "id_ID") == "Rp\u00a0166.500"
    assert formats.money(Decimal("41.6300"), "USD", "en_US") == "$41.63"
    assert formats.money("1234.5", "USD", "id_ID") == "US$1.234,50"


def test_a_day_is_the_shops_day_not_utcs() -> None:
    late = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert formats.day(late, "Asia/Jakarta") == "2027-01-01"
    assert formats.day(late.isoformat(), "UTC") == "2026-12-31"


def test_a_tax_rate_prints_as_a_percent() -> None:
    assert formats.percent("0.11") == "11%"
    assert formats.percent(Decimal("0.075")) == "7.5%"
