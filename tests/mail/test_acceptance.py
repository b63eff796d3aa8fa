"""Issue 12's email acceptance, on both databases, with a real local SMTP server: an invoice
issued through the API sends exactly one email with its PDF attached; the event read again
(the mail cursor put back) sends no second one; with the server down the message stays
pending with the error logged and goes out once the server is back."""

from __future__ import annotations

import time

from pesanan.bootstrap import Container
from pesanan.db.tx import transact
from pesanan.events import consumers
from pesanan.mail import consumer, send
from tests.documents.helpers import (
    LEGAL_NAME,
    NPWP,
    ledger_invoice_total,
    set_shop,
    shown,
    text_of,
)
from tests.factories import Api
from tests.mail.helpers import attempts, compose, invoice, messages, placed_order, pump
from tests.mail.smtp_server import SmtpServer


def test_an_invoice_issued_through_the_api_sends_one_email_with_its_pdf(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    order = placed_order(api, "ada@example.com")
    inv = invoice(api, order["id"])
    while pump(mailing):
        pass

    got = smtp_server.wait_for(2)  # the order confirmation, then the invoice
    assert len(got) == 2
    invoice_mails = [(to, m) for to, m in got if inv["number"] in str(m["Subject"])]
    assert len(invoice_mails) == 1
    to, msg = invoice_mails[0]
    assert to == ["ada@example.com"]
    assert msg["From"] == "Pesanan demo shop <shop@pesanan.test>"
    assert msg["Subject"] == (f"Invoice {inv['number']} for order {order['number']} \u2013 "
                              "Pesanan demo shop")
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_filename() == f"{inv['number']}.pdf"
    data = pdfs[0].get_content()
    assert data.startswith(b"%PDF")
    body = msg.get_body(("plain",))
    assert body is not None
    assert "Total: $22.00" in body.get_content()  # 2 x 10.00 + 10 % tax, format_money en_US

    logged = [m for m in messages(mailing) if m["kind"] == "invoice_issued"]
    assert len(logged) == 1
    assert logged[0]["status"] == "sent" and logged[0]["attempts"] == 1
    assert logged[0]["to_address"] == "ada@example.com"
    assert logged[0]["order_id"] == order["id"] and logged[0]["sent_at"] is not None


def test_the_event_read_again_sends_no_second_email(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    order = placed_order(api)
    invoice(api, order["id"])
    while pump(mailing):
        pass
    smtp_server.wait_for(2)

    # The mail consumer's cursor back to the start: every event is read again.
    transact(mailing.engine, lambda conn: consumers.reset(conn, consumer.NAME, 0))
    assert consumer.run_once(mailing.engine) > 0
    assert send.send_pending(mailing.engine, mailing.settings) == 0  # nothing new to send
    assert len(messages(mailing)) == 2
    assert len(smtp_server.messages) == 2


def test_with_the_server_down_the_email_waits_with_the_error_and_goes_out_when_it_is_back(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    order = placed_order(api)
    inv = invoice(api, order["id"])
    compose(mailing)
    assert send.send_pending(mailing.engine, mailing.settings) == 2

    waiting = messages(mailing)
    assert [m["status"] for m in waiting] == ["pending", "pending"]
    for m in waiting:
        assert m["attempts"] == 1 and m["sent_at"] is None
        assert m["last_error"].startswith(
            f"cannot reach the SMTP server 127.0.0.1:{smtp_server.port}: ConnectionRefusedError")
        assert [a["outcome"] for a in attempts(mailing, m["id"])] == ["retry"]
    assert smtp_server.messages == []

    smtp_server.start()
    # The retry is due after 5 s times the test's backoff scale (a millisecond): poll for it.
    sent, end = 0, time.monotonic() + 10
    while sent < 2 and time.monotonic() < end:
        sent += send.send_pending(mailing.engine, mailing.settings)
    assert sent == 2
    got = smtp_server.wait_for(2)
    assert len([1 for _, m in got if inv["number"] in str(m["Subject"])]) == 1
    done = messages(mailing)
    assert [m["status"] for m in done] == ["sent", "sent"]
    assert [a["outcome"] for a in attempts(mailing, done[0]["id"])] == ["retry", "sent"]
    assert done[0]["last_error"] is None


def test_a_recipient_the_server_refuses_for_good_fails_at_once_with_its_answer(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refuse.add("nobody@example.com")
    placed_order(api, "nobody@example.com")
    assert pump(mailing) == 1
    [m] = messages(mailing)
    assert (m["status"], m["attempts"], m["last_status"]) == ("failed", 1, 550)
    assert m["last_error"] == "recipient refused: 550 5.1.1 No such mailbox here"
    assert [a["outcome"] for a in attempts(mailing, m["id"])] == ["failed"]
    assert send.send_pending(mailing.engine, mailing.settings) == 0  # never tried again
    assert smtp_server.messages == []


def test_the_emailed_pdf_carries_the_shop_its_tax_id_the_number_and_the_ledger_total(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    """The acceptance end to end: the PDF that reached the SMTP server, its text extracted,
    names the shop's legal name and tax id, the invoice number, and the total the ledger
    posted to receivables, formatted the one way documents show amounts."""
    set_shop(api)
    order = placed_order(api, "sari@example.com")
    inv = invoice(api, order["id"])
    while pump(mailing):
        pass
    got = smtp_server.wait_for(2)
    [msg] = [m for _, m in got if inv["number"] in str(m["Subject"])]
    [pdf] = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    text = text_of(pdf.get_content())
    posted, currency = ledger_invoice_total(api, inv["id"])
    assert (str(posted), currency) == ("22.0000", "USD")  # 2 x 10.00 + 10 % tax
    assert LEGAL_NAME in text
    assert f"NPWP: {NPWP}" in text
    assert inv["number"] in text
    assert f"Total {shown(posted, currency)}" in text
