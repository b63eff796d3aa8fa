"""Driving the worker's mail tasks by hand: relay, compose (the mail consumer), send."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pesanan.bootstrap import Container
from pesanan.events import relay
from pesanan.mail import consumer, send
from pesanan.mail.models import email_attempt, email_message
from tests.factories import Api


def compose(c: Container) -> None:
    relay.stamp_pending(c.engine)
    while consumer.run_once(c.engine):
        pass


def pump(c: Container) -> int:
    """One pass of the mail tasks; how many messages were attempted."""
    compose(c)
    return send.send_pending(c.engine, c.settings)


def messages(c: Container) -> list[dict[str, Any]]:
    with c.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(email_message).order_by(email_message.c.created_at, email_message.c.id)
        ).mappings()]


def attempts(c: Container, message_id: str) -> list[dict[str, Any]]:
    with c.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(email_attempt).where(email_attempt.c.message_id == message_id)
            .order_by(email_attempt.c.attempted_at, email_attempt.c.id)).mappings()]


def placed_order(api: Api, email: str = "ada@example.com") -> dict[str, Any]:
    """An order of 2 units at 10.00 USD (10 % tax) for a customer with `email`."""
    product = api.product()
    loc = api.location()
    api.stock(product["sku"], loc["id"], 10)
    customer = api.customer(email=email)
    return api.order(customer["id"], [(product["sku"], 2)])


def invoice(api: Api, order_id: str) -> dict[str, Any]:
    return api.ok(api.post(f"/orders/{order_id}/invoices", {}), 201)
