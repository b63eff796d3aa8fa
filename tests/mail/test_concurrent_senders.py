"""Two workers sending at once (PostgreSQL, real row locks): each message is claimed by one of
them under its lease (SKIP LOCKED), so every email reaches the server exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from pesanan.bootstrap import Container
from pesanan.mail import send
from tests.factories import Api
from tests.mail.helpers import compose, messages
from tests.mail.smtp_server import SmtpServer

pytestmark = pytest.mark.postgres_only
ORDERS = 30


def test_two_senders_at_once_send_each_email_exactly_once(
        api: Api, mailing: Container, smtp_server: SmtpServer) -> None:
    product = api.product()
    loc = api.location()
    api.stock(product["sku"], loc["id"], ORDERS)
    buyers = [api.customer(email=f"buyer{i}@example.com")["id"] for i in range(ORDERS)]
    for b in buyers:
        api.order(b, [(product["sku"], 1)])
    compose(mailing)
    assert len(messages(mailing)) == ORDERS

    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait(10)
            while send.send_pending(mailing.engine, mailing.settings, limit=4):
                pass
        except BaseException as exc:  # surfaced below, never swallowed
            failures.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []

    got = smtp_server.wait_for(ORDERS)
    per_recipient = Counter(to[0] for to, _ in got)
    assert len(got) == ORDERS
    assert sorted(per_recipient.values()) == [1] * ORDERS
    assert {m["status"] for m in messages(mailing)} == {"sent"}
    assert {m["attempts"] for m in messages(mailing)} == {1}
