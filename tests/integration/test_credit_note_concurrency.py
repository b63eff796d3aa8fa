"""Credit note numbers stay gapless and refunds never exceed what was paid, under real
concurrency (PostgreSQL, real threads, row locks). Each thread runs a service command in its own
transaction, as the API would; all wait at a barrier so they really race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection

from pesanan.audit import checks
from pesanan.billing import refunds
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.orders import locks as order_locks
from pesanan.returns import service as returns
from pesanan.returns.schemas import ReceivedLineIn, ReceiveReturn
from tests.factories import Api

CLERK = Actor(id="t-clerk", name="clerk", role="admin")
N = 10
YEAR = datetime.now(UTC).year


class RolledBackOnPurpose(Exception):
    pass


def _delivered_order(api: Api, pay: str) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE", price="10.00", tax_rate="0.10", standard_cost="4.00")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], N)
    order = api.order(api.customer()["id"], [("TEE", N)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": pay, "method": "card"}), 201)
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return order, wh


def _race(container: Container, n: int, work: Callable[[Connection, int], Any]
          ) -> list[Any]:
    barrier = threading.Barrier(n)

    def one(i: int) -> Any:
        barrier.wait()
        with container.engine.begin() as conn:
            return work(conn, i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        return [f.exception(timeout=60) or f.result() for f in futures]


def _audit(container: Container) -> list[str]:
    with checks.snapshot(container.engine) as conn:
        return [f"{r.check.name}: {b}" for r in checks.run_all(conn) for b in r.breaches]


@pytest.mark.postgres_only
def test_ten_returns_received_at_once_get_credit_notes_one_to_nine_and_a_rollback_gives_its_number_back(  # noqa: E501
        api: Api, container: Container) -> None:
    order, wh = _delivered_order(api, pay="110.00")
    rmas = []
    for _ in range(N):
        rma = api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
            {"sku": "TEE", "quantity": 1, "reason": "torn"}]}), 201)
        api.ok(api.post(f"/returns/{rma['id']}/approve"))
        rmas.append(rma)

    def receive(conn: Connection, i: int) -> str:
        cmd = ReceiveReturn(location_id=wh["id"], lines=[
            ReceivedLineIn(rma_line_id=rmas[i]["lines"][0]["id"], disposition="restock")])
        view = returns.receive_return(conn, rmas[i]["id"], cmd, CLERK)
        if i == 3:
            raise RolledBackOnPurpose()
        return str(view["credit_note_id"])

    results = _race(container, N, receive)
    assert sum(isinstance(r, RolledBackOnPurpose) for r in results) == 1
    assert not [r for r in results if isinstance(r, BaseException)
                and not isinstance(r, RolledBackOnPurpose)]
    notes = api.ok(api.get("/credit-notes", limit=250))["items"]
    assert sorted(n["number"] for n in notes) == [f"CN-{YEAR}-{k:06d}" for k in range(1, N)]
    assert {n["total"] for n in notes} == {"11.00"}
    assert api.level("TEE", wh["id"])["on_hand"] == N - 1
    assert _audit(container) == []


@pytest.mark.postgres_only
def test_ten_refunds_of_one_order_at_once_never_pay_back_more_than_was_paid(
        api: Api, container: Container) -> None:
    order, _ = _delivered_order(api, pay="110.00")

    def refund(conn: Connection, i: int) -> str:
        locked = order_locks.order_row(conn, order["id"])
        view = refunds.record_refund(conn, locked, Decimal("15.00"), "card", f"R{i}", CLERK)
        return str(view["id"])

    results = _race(container, N, refund)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 3  # 7 x 15.00 = 105.00 <= 110.00; an 8th would be 120.00
    assert all(r.errors[0].code == "exceeds_refundable" for r in refused)
    assert not [r for r in results if isinstance(r, BaseException) and r not in refused]
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["amount_paid"], after["amount_refunded"]) == ("110.00", "105.00")
    assert after["financial_status"] == "partially_refunded"
    assert sum(Decimal(r["amount"]) for r in api.ok(api.get("/refunds"))["items"]) == 105
    assert _audit(container) == []
