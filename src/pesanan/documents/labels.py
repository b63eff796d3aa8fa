"""The words printed on the documents, per language (English and Bahasa Indonesia).

A small table rather than gettext: the documents are read by the shop's customers and
suppliers in the shop's language, whatever language the operator's console is in, and they
carry a few dozen fixed words. A missing word falls back to English, so a new label never
prints as a blank."""

from __future__ import annotations

EN: dict[str, str] = {
    "invoice": "Invoice", "credit_note": "Credit note", "delivery_note": "Delivery note",
    "pick_list": "Pick list", "purchase_order": "Purchase order",
    "statement": "Statement of account",
    "number": "No.", "issue_date": "Issue date", "due_date": "Due date", "order": "Order",
    "currency": "Currency", "bill_to": "Bill to", "ship_to": "Ship to", "customer": "Customer",
    "supplier": "Supplier", "deliver_to": "Deliver to", "expected": "Expected",
    "status": "Status", "item": "Item", "sku": "SKU", "qty": "Qty",
    "unit_price": "Unit price", "unit_cost": "Unit cost", "net": "Net", "tax_rate": "Tax rate",
    "tax": "Tax", "line_total": "Line total", "subtotal": "Subtotal", "total": "Total",
    "amount_paid": "Amount paid", "balance_due": "Balance due",
    "payments_received": "Payments received", "terms": "Terms",
    "due_on_receipt": "Payment is due on receipt.", "pay_by": "Please pay by",
    "quote_number": "Quote this number with your payment:",
    "payment_instructions": "Payment instructions", "tax_id": "NPWP",
    "whole_order": "The lines above are the whole order; this invoice bills the part not "
                   "invoiced before.",
    "against_invoice": "Against invoice", "reason": "Reason", "credit_total": "Total credited",
    "ordered": "Ordered", "shipped": "Shipped", "to_ship": "To ship", "location": "Location",
    "bin": "Bin", "picked": "Picked", "carrier": "Carrier", "tracking": "Tracking",
    "note": "Note", "units": "Units", "received_by": "Received by (name, signature, date)",
    "delivered_by": "Delivered by", "no_prices": "Quantities only; prices are on the invoice.",
    "ordered_qty": "Qty ordered", "received_qty": "Qty received",
    "po_note": "Please confirm this order and quote its number on your delivery and invoice.",
    "period": "Period", "opening_balance": "Opening balance",
    "closing_balance": "Closing balance", "date": "Date", "document": "Document",
    "description": "Description", "debit": "Charges", "credit": "Credits",
    "balance": "Balance", "payment": "Payment", "refund": "Refund",
    "no_activity": "No activity in this period.", "page": "Page", "of": "of",
    "times_in": "Dates in", "no_address": "No address on file",
}

ID: dict[str, str] = {
    "invoice": "Faktur", "credit_note": "Nota kredit", "delivery_note": "Surat jalan",
    "pick_list": "Daftar ambil barang", "purchase_order": "Pesanan pembelian",
    "statement": "Laporan rekening",
    "number": "No.", "issue_date": "Tanggal terbit", "due_date": "Jatuh tempo",
    "order": "Pesanan", "currency": "Mata uang", "bill_to": "Tagihan kepada",
    "ship_to": "Kirim ke", "customer": "Pelanggan", "supplier": "Pemasok",
    "deliver_to": "Kirim ke", "expected": "Diharapkan", "status": "Status", "item": "Barang",
    "sku": "SKU", "qty": "Jml", "unit_price": "Harga satuan", "unit_cost": "Biaya satuan",
    "net": "Neto", "tax_rate": "Tarif pajak", "tax": "Pajak", "line_total": "Jumlah",
    "subtotal": "Subtotal", "total": "Total", "amount_paid": "Telah dibayar",
    "balance_due": "Sisa tagihan", "payments_received": "Pembayaran diterima",
    "terms": "Ketentuan", "due_on_receipt": "Pembayaran jatuh tempo saat diterima.",
    "pay_by": "Mohon dibayar paling lambat",
    "quote_number": "Cantumkan nomor ini pada pembayaran Anda:",
    "payment_instructions": "Cara pembayaran", "tax_id": "NPWP",
    "whole_order": "Baris di atas adalah seluruh pesanan; faktur ini menagih bagian yang belum "
                   "ditagih sebelumnya.",
    "against_invoice": "Atas faktur", "reason": "Alasan", "credit_total": "Total dikreditkan",
    "ordered": "Dipesan", "shipped": "Dikirim", "to_ship": "Akan dikirim", "location": "Lokasi",
    "bin": "Rak", "picked": "Diambil", "carrier": "Kurir", "tracking": "Resi", "note": "Catatan",
    "units": "Unit", "received_by": "Diterima oleh (nama, tanda tangan, tanggal)",
    "delivered_by": "Dikirim oleh",
    "no_prices": "Hanya jumlah barang; harga tercantum pada faktur.",
    "ordered_qty": "Jml dipesan", "received_qty": "Jml diterima",
    "po_note": "Mohon konfirmasi pesanan ini dan cantumkan nomornya pada surat jalan dan "
               "faktur Anda.",
    "period": "Periode", "opening_balance": "Saldo awal", "closing_balance": "Saldo akhir",
    "date": "Tanggal", "document": "Dokumen", "description": "Keterangan", "debit": "Tagihan",
    "credit": "Kredit", "balance": "Saldo", "payment": "Pembayaran",
    "refund": "Pengembalian dana", "no_activity": "Tidak ada transaksi pada periode ini.",
    "page": "Halaman", "of": "dari", "times_in": "Tanggal dalam zona",
    "no_address": "Alamat belum tercatat",
}

LANGUAGES: dict[str, dict[str, str]] = {"en": EN, "id": ID}


def language(locale: str) -> str:
    """`id_ID`, `id-ID` or `id` -> "id"; anything not translated -> "en"."""
    lang = locale.replace("-", "_").split("_", 1)[0].lower()
    return lang if lang in LANGUAGES else "en"


def labels(locale: str) -> dict[str, str]:
    """Every label in the locale's language, English where that language lacks one."""
    return {**EN, **LANGUAGES[language(locale)]}
