"""`pesanan demo` makes the demo shop Indonesian: its profile, unless the shop has its own."""

from __future__ import annotations

import random

from pesanan import demo
from pesanan.bootstrap import Container
from pesanan.core.actor import SYSTEM
from pesanan.flows import shop_settings
from pesanan.shop import service
from pesanan.shop.schemas import ShopSettingsIn


def test_the_demo_shop_is_pt_pesanan_nusantara_in_jakarta(container: Container) -> None:
    assert demo.ensure_shop(container.engine, random.Random(1), 2)
    with container.engine.connect() as conn:
        p = service.profile(conn)
    assert (p.legal_name, p.time_zone, p.locale, p.currency) == (
        "PT Pesanan Nusantara", "Asia/Jakarta", "id_ID", "IDR")
    assert p.tax_id == "01.234.567.8-012.000" and "Jakarta" in p.address
    assert p.payment_instructions and p.invoice_footer


def test_the_demo_keeps_a_profile_the_shop_already_set(container: Container) -> None:
    with container.engine.begin() as conn:
        shop_settings.update_shop(conn, ShopSettingsIn(legal_name="CV Kopi Kita",
                                                       time_zone="Asia/Makassar"), SYSTEM)
    assert demo.ensure_shop(container.engine, random.Random(1), 2)
    with container.engine.connect() as conn:
        p = service.profile(conn)
    assert (p.legal_name, p.time_zone, p.locale) == ("CV Kopi Kita", "Asia/Makassar", "en_US")
