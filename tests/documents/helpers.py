"""Shared by the document tests: a shop with its settings, orders through the API, the text of
a PDF, and the books read straight from the ledger's tables."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from pesanan.billing.models import invoice
from pesanan.core.clock import now
from pesanan.db.types import Amount
from pesanan.documents import formats
from pesanan.ledger.models import journal_entry, journal_line
from pesanan.ledger.postings import RECEIVABLE
from pesanan.orders.models import sales_order
from pesanan.shop.models import shop_settings
from pesanan.shop.profile import DEFAULT
from pesanan.shop.queries import PROFILE_FIELDS, ROW_ID
from tests.factories import Api

LEGAL_NAME = "PT Kopi Nusantara Sejahtera"
NPWP = "01.234.567.8-901.000"


def set_shop(api: Api, **changes: Any) -> None:
    """The shop's settings row as a test wants it (the settings API is the shop slice's)."""
    values = {name: getattr(DEFAULT, name) for name in PROFILE_FIELDS}
    values.update(legal_name=LEGAL_NAME, tax_id=NPWP,
                  address="Jl. Braga No. 12\nBandung 40111", email="halo@kopi.example",
                  invoice_footer="Terima kasih atas pesanan Anda.",
                  payment_instructions="BCA 123-456-7890 a.n. PT Kopi Nusantara")
    values.update(changes)
    with api.container.engine.begin() as conn:
        conn.execute(shop_settings.delete())
        conn.execute(shop_settings.insert().values(id=ROW_ID, updated_at=now(),
                                                   updated_by="test", **values))


def text_of(pdf: bytes) -> str:
    """Every page's text, no-break spaces read as spaces, whitespace runs as one space."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    reader = PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(raw.replace("\u00a0", " ").split())


def shown(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """An amount as a document prints it (the same one function), spaces normalised."""
    return " ".join(formats.money(amount, currency, locale).replace("\u00a0", " ").split())


def ledger_invoice_total(api: Api, invoice_id: str) -> tuple[Decimal, str]:
    """What the ledger posted to receivables for the invoice, and its currency."""
    with api.container.engine.connect() as conn:
        row = conn.execute(
            select(func.sum(journal_line.c.debit, type_=Amount), journal_entry.c.currency)
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(journal_entry.c.source_type == "invoice",
                   journal_entry.c.source_id == invoice_id,
                   journal_line.c.account_code == RECEIVABLE)
            .group_by(journal_entry.c.currency)).one()
    return Decimal(row[0]), row[1]


def ledger_receivable(api: Api, customer_id: str, currency: str) -> Decimal:
    """The customer's balance on the receivable account: debits less credits of every entry
    on the customer's orders."""
    orders = select(sales_order.c.id).where(sales_order.c.customer_id == customer_id)
    with api.container.engine.connect() as conn:
        lines = conn.execute(
            select(journal_line.c.debit, journal_line.c.credit)
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(journal_entry.c.order_id.in_(orders), journal_entry.c.currency == currency,
                   journal_line.c.account_code == RECEIVABLE)).all()
    return sum((d - c for d, c in lines), Decimal(0))


def invoice_row(api: Api, invoice_id: str) -> dict[str, Any]:
    with api.container.engine.connect() as conn:
        return dict(conn.execute(select(invoice).where(invoice.c.id == invoice_id))
                    .mappings().one())
