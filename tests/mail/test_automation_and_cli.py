"""The automation action "send email" takes the mail path (one message per rule and event, the
worker sends it); `pesanan emails list` and `pesanan notifications`; the order's console page
shows each email on its timeline; `pesanan worker --once` sends what is due."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from pesanan.bootstrap import Container
from pesanan.db.tx import transact
from pesanan.events import consumers
from pesanan.mail.models import email_message
from tests.automation.helpers import automate, rule
from tests.e2e.conftest import Cli
from tests.factories import Api
from tests.mail.helpers import invoice, messages, placed_order, pump
from tests.mail.smtp_server import SmtpServer
from tests.web.helpers import csrf_of, login


def test_a_rules_send_email_action_sends_once_per_event(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    api.ok(api.client.patch("/api/v1/notifications", json={"order_confirmation": False},
                            headers=api.headers()))
    made = rule(api, "Welcome web buyers", "order.placed",
                [{"field": "channel", "op": "eq", "value": "web"}],
                [{"type": "send_email", "subject": "Welcome",
                  "message": "Thank you for buying from us for the first time."}])
    order = placed_order(api, "ada@example.com")
    automate(api)
    # The automation cursor back to the start: the rule reads the event again.
    transact(mailing.engine, lambda conn: consumers.reset(conn, "automation", 0))
    automate(api)
    while pump(mailing):
        pass

    [(to, msg)] = smtp_server.wait_for(1)
    assert to == ["ada@example.com"]
    assert msg["Subject"] == "Welcome \u2013 Pesanan demo shop"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP's CRLF
    assert text.startswith("Hello Ada Buyer,\n\nThank you for buying from us for the first time.")
    assert f"Order: {order['number']}" in text
    [logged] = messages(mailing)
    assert logged["kind"] == f"rule:{made['id']}" and logged["status"] == "sent"
    runs = api.ok(api.get(f"/automation/rules/{made['id']}/runs"))["items"]
    assert [(r["outcome"], r["results"][0]["to"]) for r in runs] == [("done", "ada@example.com")]


def test_the_orders_console_page_shows_its_emails_on_the_timeline(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    login(api.client, mailing)
    order = placed_order(api, "ada@example.com")
    inv = invoice(api, order["id"])
    while pump(mailing):
        pass
    smtp_server.wait_for(2)

    page = api.client.get(f"/orders/{order['id']}")
    assert page.status_code == 200
    assert (f"Email &#39;Invoice {inv['number']} for order {order['number']} \u2013 Pesanan "
            "demo shop&#39; sent to ada@example.com") in page.text
    # The warehouse reads orders but not customers' contacts (nor money): no email entries.
    login(api.client, mailing, "warehouse")
    page = api.client.get(f"/orders/{order['id']}")
    assert page.status_code == 200 and order["number"] in page.text
    assert "Email &#39;" not in page.text and "ada@example.com" not in page.text


def test_the_console_email_page_switches_a_notification_off(
        api: Api, mailing: Container) -> None:
    login(api.client, mailing)
    page = api.client.get("/emails")
    assert page.status_code == 200
    assert 'id="notification-invoice_issued"' in page.text
    resp = api.client.post("/emails/notifications/invoice_issued/disable",
                           data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 303
    listed = api.ok(api.get("/notifications"))["items"]
    assert [x["kind"] for x in listed if not x["enabled"]] == ["invoice_issued"]
    refused = api.client.post("/emails/notifications/nothing/disable",
                              data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 422 and "not a notification" in refused.text
    login(api.client, mailing, "clerk")
    assert api.client.get("/emails", follow_redirects=False).status_code in (303, 403)


def test_emails_list_and_the_notification_switches_from_the_command_line(
        cli: Cli, api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    off = cli("notifications", "disable", "invoice_issued")
    assert off.exit_code == 0, off.output
    assert off.output.strip() == "invoice_issued: off"
    listed = cli("notifications", "list")
    assert listed.exit_code == 0, listed.output
    rows = [[cell for cell in ln.replace("\u2502", " ").split()][:3]
            for ln in listed.output.splitlines() if "_" in ln]
    assert ["invoice_issued", "invoice.issued", "no"] in rows
    assert ["order_confirmation", "order.placed", "yes"] in rows
    bad = cli("notifications", "disable", "invoices")
    assert bad.exit_code == 2 and "invoices" in bad.output

    order = placed_order(api, "ada@example.com")
    invoice(api, order["id"])
    while pump(mailing):
        pass
    smtp_server.wait_for(1)
    shown = cli("emails", "list", "--order", order["number"])
    assert shown.exit_code == 0, shown.output
    assert "ada@example.com" in shown.output and "sent" in shown.output
    assert f"Order {order['number']} confirmed" in shown.output
    assert cli("emails", "list", "--order", "SO-999999").exit_code == 1


def test_worker_once_sends_the_due_email(
        cli: Cli, api: Api, container: Container, smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port),
                       "SMTP_TLS": "none", "MAIL_FROM": "shop@pesanan.test"}.items():
        monkeypatch.setenv(f"PESANAN_{key}", value)
    order = placed_order(api, "ada@example.com")
    # One pass composes; the message is due at once, so the same pass or the next sends it.
    for _ in range(2):
        result = cli("worker", "--once")
        assert result.exit_code == 0, result.output
        if smtp_server.messages:
            break
    [(to, msg)] = smtp_server.wait_for(1)
    assert to == ["ada@example.com"] and order["number"] in str(msg["Subject"])
    with container.engine.begin() as conn:  # nothing left pending
        assert conn.execute(update(email_message).where(email_message.c.status == "pending")
                            .values(status="pending")).rowcount == 0


def test_a_send_email_action_typed_on_the_command_line(cli: Cli, api: Api) -> None:
    added = cli("automation", "add", "Thank big buyers", "--when", "order.placed",
                "--then", "send_email: Thank you | We noticed your order | boss@example.com")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == ("added Thank big buyers: when order.placed then "
                                    "send_email: Thank you | We noticed your order | "
                                    "boss@example.com")
    [made] = api.ok(api.get("/automation/rules"))["items"]
    assert made["actions"] == [{"type": "send_email", "subject": "Thank you",
                                "message": "We noticed your order", "to": "boss@example.com"}]
    bad = cli("automation", "add", "No subject", "--when", "order.placed",
              "--then", "send_email:  | text")
    assert bad.exit_code == 2, bad.output
