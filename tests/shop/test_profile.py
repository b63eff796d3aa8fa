"""The shop's profile read from its one row, on both databases."""

from sqlalchemy import insert

from pesanan.bootstrap import Container
from pesanan.shop import service
from pesanan.shop.models import shop_settings
from pesanan.shop.profile import DEFAULT


def test_no_row_reads_as_the_defaults(container: Container) -> None:
    with container.engine.connect() as conn:
        assert service.profile(conn) == DEFAULT


def test_the_row_is_the_profile(container: Container) -> None:
    with container.engine.begin() as conn:
        conn.execute(insert(shop_settings).values(
            id=1, legal_name="PT Pesanan Nusantara", address="Jl. Sudirman 1\nJakarta",
            tax_id="01.234.567.8-012.000", email=None, phone=None, logo=b"\x89PNG\r\n\x1a\n",
            logo_type="image/png", time_zone="Asia/Jakarta", locale="id_ID", currency="IDR",
            invoice_footer="Terima kasih", payment_instructions="BCA 123", invoice_prefix="FAK",
            credit_note_prefix="NK", purchase_order_prefix="PO", delivery_note_prefix="SJ"))
    with container.engine.connect() as conn:
        p = service.profile(conn)
    assert p.legal_name == "PT Pesanan Nusantara"
    assert p.address == "Jl. Sudirman 1\nJakarta"
    assert p.logo == b"\x89PNG\r\n\x1a\n"
    assert str(p.zone) == "Asia/Jakarta"
    assert p.invoice_prefix == "FAK"
