"""The invoice and credit note as PDF over the API: the shop's settings on them and the
amounts exactly as the ledger has them."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader
from sqlalchemy import update

from pesanan.billing.models import invoice
from tests.documents.helpers import (
    LEGAL_NAME,
    NPWP,
    ledger_invoice_total,
    set_shop,
    shown,
    text_of,
)
from tests.factories import Api


def _invoiced(api: Api, currency: str = "USD", price: str = "12.50") -> dict[str, Any]:
    """3 x TEE at 12.50 + 11% tax: 37.50 + 4.13 = 41.63 (USD), invoiced."""
    api.product("TEE-BLK-M", price=price, tax_rate="0.11", currency=currency)
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 10)
    customer = api.customer("Budi Santoso", email="budi@example.com")
    order = api.order(customer["id"], [("TEE-BLK-M", 3)])
    return api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)


def test_the_invoice_pdf_carries_the_shop_its_tax_id_the_number_and_the_ledger_total(
        api: Api) -> None:
    set_shop(api)
    inv = _invoiced(api)
    resp = api.get(f"/invoices/{inv['id']}/pdf")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="{inv["number"]}.pdf"')
    text = text_of(resp.content)
    posted, currency = ledger_invoice_total(api, inv["id"])
    assert (str(posted), currency) == ("41.6300", "USD")
    assert LEGAL_NAME in text
    assert f"NPWP: {NPWP}" in text
    assert inv["number"] in text
    assert f"Total {shown(posted, currency)}" in text
    assert "Budi Santoso" in text and "Jl. Braga No. 12" in text
    assert "BCA 123-456-7890" in text and "Terima kasih atas pesanan Anda." in text


def test_an_indonesian_shop_prints_indonesian_labels_and_rupiah_its_way(api: Api) -> None:
    set_shop(api, locale="id_ID", time_zone="Asia/Jakarta", currency="IDR")
    inv = _invoiced(api, currency="IDR", price="50000.00")
    text = text_of(api.get(f"/invoices/{inv['id']}/pdf").content)
    posted, currency = ledger_invoice_total(api, inv["id"])
    assert (str(posted), currency) == ("166500.0000", "IDR")  # 150,000 + 11%
    assert shown(posted, "IDR", "id_ID") == "Rp 166.500"
    assert "FAKTUR" in text and "Jatuh tempo" in text  # the title is set in capitals
    assert f"Total {shown(posted, 'IDR', 'id_ID')}" in text


def test_get_invoice_with_accept_pdf_answers_the_pdf_and_json_otherwise(api: Api) -> None:
    set_shop(api)
    inv = _invoiced(api)
    path = f"/api/v1/invoices/{inv['id']}"
    as_pdf = api.client.get(path, headers={**api.headers(), "Accept": "application/pdf"})
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert inv["number"] in text_of(as_pdf.content)
    for accept in ("application/json", "*/*", "application/json, application/pdf"):
        as_json = api.client.get(path, headers={**api.headers(), "Accept": accept})
        assert as_json.json()["number"] == inv["number"], accept
    unknown = api.client.get("/api/v1/invoices/nope",
                             headers={**api.headers(), "Accept": "application/pdf"})
    assert unknown.status_code == 404


def _png(width: int = 4, height: int = 2) -> bytes:
    """A small opaque PNG logo, made here (no file to ship)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + b"\x1b\x5e\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_the_logo_is_embedded_and_dates_are_the_shops_days(api: Api) -> None:
    set_shop(api, logo=_png(), logo_type="image/png", time_zone="Asia/Jakarta")
    inv = _invoiced(api)
    late = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 03:00 on 1 January in Jakarta
    with api.container.engine.begin() as conn:
        conn.execute(update(invoice).where(invoice.c.id == inv["id"])
                     .values(issued_at=late, due_at=late))
    pdf = api.get(f"/invoices/{inv['id']}/pdf").content
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    text = text_of(pdf)
    assert "Issue date 2027-01-01" in text and "Due date 2027-01-01" in text
    set_shop(api, time_zone="UTC")
    text = text_of(api.get(f"/invoices/{inv['id']}/pdf").content)
    assert "Issue date 2026-12-31" in text
