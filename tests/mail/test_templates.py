"""Every template renders in both languages with what its builder gives it (no database): a
missing field is an error (StrictUndefined), not a blank in a customer's inbox."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.mail.notifications import NOTIFICATIONS, language
from pesanan.mail.render import render

SHOP = {"name": "Toko <Kopi> & Co", "address": "Jl. Sudirman 1\nJakarta", "email": "a@toko.id",
        "phone": "", "payment_instructions": "Transfer ke BCA 123"}
LINES = [{"quantity": 2, "name": "Kopi Toraja", "sku": "KOPI-1", "total": "Rp 100.000"}]
CONTEXTS: dict[str, dict[str, Any]] = {
    "order_confirmation": {"customer_name": "Ada", "order_number": "SO-000001",
                           "lines": LINES, "total": "Rp 110.000"},
    "invoice_issued": {"customer_name": "Ada", "invoice_number": "INV-2026-000001",
                       "order_number": "SO-000001", "amount_due": "Rp 110.000",
                       "due_date": "1 Januari 2027", "total": "Rp 110.000"},
    "overdue_reminder": {"customer_name": "Ada", "invoice_number": "INV-2026-000001",
                         "order_number": "SO-000001", "amount_due": "Rp 110.000",
                         "due_date": "1 Januari 2027", "days_overdue": 9},
    "shipment_sent": {"customer_name": "Ada", "order_number": "SO-000001",
                      "shipment_number": "SH-000001", "carrier": "JNE",
                      "tracking_number": "JNE1", "tracking_url": "https://t.example/JNE1"},
    "refund_issued": {"customer_name": "Ada", "order_number": "SO-000001",
                      "amount": "Rp 10.000", "method": "cash", "reference": ""},
    "purchase_order": {"supplier_name": "PT Kopi", "po_number": "PO-000001", "lines": LINES,
                       "total": "Rp 100.000", "expected_date": ""},
    "rule_message": {"subject": "Halo", "message": "Terima kasih", "name": "Ada",
                     "order_number": "SO-000001"},
}


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_every_template_renders_with_its_builders_fields(template: str, lang: str) -> None:
    msg = render(template, lang, {"shop": SHOP, **CONTEXTS[template]})
    assert msg.subject and "\n" not in msg.subject and "Toko <Kopi> & Co" in msg.subject
    assert msg.text.endswith("Toko <Kopi> & Co\n") or "Toko <Kopi> & Co (a@toko.id)" in msg.text
    assert "\n\n\n" not in msg.text
    # The HTML part escapes what the text says and carries the same words.
    assert "Toko &lt;Kopi&gt; &amp; Co" in msg.html and "<Kopi>" not in msg.html
    assert f'<html lang="{lang}">' in msg.html


def test_every_notification_has_a_template_and_the_languages_follow_the_locale() -> None:
    assert sorted(n.kind for n in NOTIFICATIONS) == sorted(set(CONTEXTS) - {"rule_message"})
    assert (language("id_ID"), language("en_US"), language("fr_FR")) == ("id", "en", "en")


def test_a_field_the_builder_forgot_is_an_error_not_a_blank() -> None:
    from jinja2 import UndefinedError

    context = {k: v for k, v in CONTEXTS["invoice_issued"].items() if k != "amount_due"}
    with pytest.raises(UndefinedError):
        render("invoice_issued", "en", {"shop": SHOP, **context})
