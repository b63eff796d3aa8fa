"""Each notification from its event, in the shop's language, to the right person; the shop's
switches; the log through the API. A real local SMTP server receives every message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.mail.models import email_message
from tests.dbs import row_counts
from tests.factories import Api
from tests.mail.helpers import invoice, messages, placed_order, pump
from tests.mail.smtp_server import SmtpServer


def _patch(api: Api, path: str, body: Any, role: str = "admin") -> Any:
    return api.client.patch(f"/api/v1{path}", json=body, headers=api.headers(role))


def _drain(c: Container) -> None:
    while pump(c):
        pass


def test_a_switched_off_notification_sends_nothing(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    listed = api.ok(_patch(api, "/notifications", {"invoice_issued": False}))["items"]
    assert {x["kind"]: x["enabled"] for x in listed} == {
        "order_confirmation": True, "invoice_issued": False, "shipment_sent": True,
        "refund_issued": True, "overdue_reminder": True, "purchase_order": True}

    order = placed_order(api)
    invoice(api, order["id"])
    _drain(mailing)

    got = smtp_server.wait_for(1)
    assert [str(m["Subject"]) for _, m in got] == [
        f"Order {order['number']} confirmed \u2013 Pesanan demo shop"]
    assert [m["kind"] for m in messages(mailing)] == ["order_confirmation"]


def test_an_unknown_notification_is_refused_and_nothing_changes(
        api: Api, mailing: Container) -> None:
    api.key("admin")  # made before the count, not by the refused request
    before = row_counts(mailing.engine)
    resp = _patch(api, "/notifications", {"invoice_issued": False, "invoice_isued": False})
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == ["invoice_isued"]
    assert row_counts(mailing.engine) == before
    assert all(x["enabled"] for x in api.ok(api.get("/notifications"))["items"])
    assert _patch(api, "/notifications", {"invoice_issued": False}, role="clerk"
                  ).status_code == 403


def test_the_shipment_email_carries_the_tracking_link_in_the_shops_language(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    api.ok(_patch(api, "/shop", {"locale": "id_ID", "legal_name": "Toko Kopi Nusantara"}))
    api.ok(api.post("/carriers", {"code": "JNE", "name": "JNE Express",
                                  "tracking_url_template": "https://track.example/{tracking}"}),
           201)
    order = placed_order(api, "budi@example.com")
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "JNE123456"}),
        201)["items"][0]
    _drain(mailing)

    got = {str(m["Subject"]): (to, m) for to, m in smtp_server.wait_for(2)}
    to, msg = got[f"Pesanan {order['number']} sudah dikirim \u2013 Toko Kopi Nusantara"]
    assert to == ["budi@example.com"]
    assert msg["From"] == "Toko Kopi Nusantara <shop@pesanan.test>"
    text = msg.get_body(("plain",)).get_content()
    assert f"sebagai pengiriman {shipped['number']} melalui JNE" in text
    assert "Nomor resi: JNE123456" in text
    assert "Lacak di sini: https://track.example/JNE123456" in text
    html = msg.get_body(("html",)).get_content()
    assert '<a href="https://track.example/JNE123456">' in html
    confirmation = got[f"Pesanan {order['number']} dikonfirmasi \u2013 Toko Kopi Nusantara"][1]
    # 2 x 10.00 USD + 10 % tax in id_ID: format_money's "US$22,00"
    assert "Total: US$22,00" in confirmation.get_body(("plain",)).get_content()


def test_the_log_lists_an_orders_emails_and_shows_the_error_to_admins_only(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    order = placed_order(api)
    other = placed_order(api, "someone@example.com")
    smtp_server.stop()
    assert pump(mailing) == 2  # one attempt each: refused, pending again

    page = api.ok(api.get("/emails", order_id=order["id"]))
    assert [(m["kind"], m["status"], m["attempts"], m["to"]) for m in page["items"]] == [
        ("order_confirmation", "pending", 1, "ada@example.com")]
    assert page["items"][0]["last_error"].startswith("cannot reach the SMTP server")
    clerk = api.ok(api.get("/emails", role="clerk", order_id=order["id"]))["items"]
    assert clerk[0]["last_error"] is None and clerk[0]["status"] == "pending"
    one = api.ok(api.get(f"/emails/{page['items'][0]['id']}"))
    assert [a["outcome"] for a in one["attempt_log"]] == ["retry"]
    assert len(api.ok(api.get("/emails"))["items"]) == 2
    assert api.ok(api.get("/emails", status="sent"))["items"] == []
    assert api.get("/emails", status="lost").status_code == 422
    assert other["id"] != order["id"]


def test_email_is_off_without_an_smtp_host_and_the_worker_runs_no_mail_task(
        api: Api, container: Container) -> None:
    from pesanan.worker.tasks import tasks

    assert container.settings.smtp_host is None
    assert not [t.name for t in tasks(container) if t.name.startswith("mail.")]
    placed_order(api)
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(email_message)).scalar_one() == 0
