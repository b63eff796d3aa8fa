"""The other notifications with a PDF: a purchase order submitted goes to its supplier with the
PO's PDF; an overdue invoice's reminder goes to the customer with the invoice's PDF."""

from __future__ import annotations

from datetime import timedelta

from pesanan.billing import reminders
from pesanan.bootstrap import Container
from pesanan.core.clock import now
from pesanan.db.tx import transact
from tests.factories import Api
from tests.mail.helpers import invoice, messages, placed_order, pump
from tests.mail.smtp_server import SmtpServer


def _drain(c: Container) -> None:
    while pump(c):
        pass


def _pdf_of(msg: object) -> tuple[str | None, bytes]:
    [part] = [p for p in msg.iter_attachments()  # type: ignore[attr-defined]
              if p.get_content_type() == "application/pdf"]
    return part.get_filename(), part.get_content()


def test_a_submitted_purchase_order_goes_to_its_supplier_with_its_pdf(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    product = api.product()
    loc = api.location()
    supplier = api.ok(api.post("/suppliers", {"name": "PT Kopi Toraja",
                                              "email": "orders@kopi.example",
                                              "currency": "USD"}), 201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": loc["id"],
        "lines": [{"sku": product["sku"], "quantity": 12, "unit_cost": "6.00"}]}), 201)
    api.ok(api.post(f"/purchase-orders/{po['id']}/submit"))
    _drain(mailing)

    [(to, msg)] = smtp_server.wait_for(1)
    assert to == ["orders@kopi.example"]
    assert msg["Subject"] == f"Purchase order {po['number']} from Pesanan demo shop"
    text = msg.get_body(("plain",)).get_content()
    assert f"- 12 \u00d7 {product['sku']}: $72.00" in text and "Total: $72.00" in text
    name, data = _pdf_of(msg)
    assert name == f"{po['number']}.pdf" and data.startswith(b"%PDF")
    [logged] = messages(mailing)
    assert (logged["kind"], logged["order_id"], logged["status"]) == (
        "purchase_order", None, "sent")


def test_an_overdue_invoice_reminds_the_customer_with_the_invoice_attached(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    api.ok(api.client.patch("/api/v1/notifications", headers=api.headers(), json={
        "order_confirmation": False, "invoice_issued": False}))
    order = placed_order(api, "ada@example.com")
    inv = invoice(api, order["id"])
    later = now() + timedelta(days=60)
    done = transact(mailing.engine, lambda conn: reminders.remind_overdue(
        conn, later, timedelta(days=7), timedelta(days=1)))
    assert done["reminded"] == 1
    _drain(mailing)

    [(to, msg)] = smtp_server.wait_for(1)
    assert to == ["ada@example.com"]
    assert msg["Subject"] == (f"Reminder: invoice {inv['number']} is overdue \u2013 "
                              "Pesanan demo shop")
    text = " ".join(msg.get_body(("plain",)).get_content().split())
    assert f"invoice {inv['number']} for order {order['number']} was due on" in text
    assert "and $22.00 is still open" in text
    name, data = _pdf_of(msg)
    assert name == f"{inv['number']}.pdf" and data.startswith(b"%PDF")
    assert [m["kind"] for m in messages(mailing)] == ["overdue_reminder"]


def test_a_refund_emails_the_customer_the_amount_and_how(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    from tests.e2e.test_returns import _order, _received, _shop

    shop = _shop(api)  # the buyer is Sari, with an email of the factory's
    order = _order(api, shop, [("TEE", 1)], pay="110.00")
    received = _received(api, order, shop["wh"], [("TEE", 1, "restock")])
    api.ok(api.client.patch("/api/v1/notifications", headers=api.headers(), json={
        "order_confirmation": False, "invoice_issued": False, "shipment_sent": False}))
    api.ok(api.post(f"/returns/{received['id']}/refund", {"method": "cash"}))
    _drain(mailing)

    [(to, msg)] = smtp_server.wait_for(1)
    assert to == [shop["buyer"]["email"]]
    assert msg["Subject"] == (f"Refund of $110.00 for order {order['number']} \u2013 "
                              "Pesanan demo shop")
    text = " ".join(msg.get_body(("plain",)).get_content().split())
    assert f"we have refunded $110.00 for your order {order['number']} (cash)" in text
    assert [(m["kind"], m["order_id"]) for m in messages(mailing)] == [
        ("refund_issued", order["id"])]
