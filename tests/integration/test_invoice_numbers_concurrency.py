"""Invoice numbers stay gapless under real concurrency (PostgreSQL, real threads, row locks).

Each thread runs the billing service in its own transaction, as the API would. All threads wait
at a barrier first so they really race for the year's counter row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pesanan.billing import service as billing
from pesanan.billing.schemas import IssueInvoice
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from tests.factories import Api

ACCOUNTANT = Actor(id="t-accountant", name="accountant", role="accountant")
ORDERS = 20
YEAR = datetime.now(UTC).year


class RolledBackOnPurpose(Exception):
    pass


def _orders(api: Api, n: int) -> list[str]:
    api.product("TEE", price="10.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], n)
    customer = api.customer()
    return [api.order(customer["id"], [("TEE", 1)])["id"] for _ in range(n)]


def _race(container: Container, order_ids: list[str],
          then: Callable[[int], None]) -> list[str | BaseException]:
    """Invoice every order from its own thread, all at once; `then(i)` runs inside thread i's
    transaction after its invoice is written (raise there to roll that transaction back)."""
    barrier = threading.Barrier(len(order_ids))

    def invoice(i: int) -> str:
        barrier.wait()
        with container.engine.begin() as conn:
            number = billing.issue_invoice(conn, order_ids[i], IssueInvoice(), ACCOUNTANT)
            then(i)
            return str(number["number"])

    with ThreadPoolExecutor(max_workers=len(order_ids)) as pool:
        futures = [pool.submit(invoice, i) for i in range(len(order_ids))]
        out: list[str | BaseException] = []
        for f in futures:
            exc = f.exception(timeout=60)
            out.append(exc if exc is not None else f.result())
        return out


def _stored(api: Api) -> list[tuple[str, str]]:
    items = api.ok(api.get("/invoices", limit=250))["items"]
    return sorted((i["number"], i["order_id"]) for i in items)


def _counter(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(text("SELECT value FROM counter WHERE name = :n"),
                                {"n": f"invoice_{YEAR}"}).scalar_one())


def _numbers(first: int, last: int) -> list[str]:
    return [f"INV-{YEAR}-{n:06d}" for n in range(first, last + 1)]


@pytest.mark.postgres_only
def test_twenty_orders_invoiced_at_once_get_numbers_one_to_twenty_exactly_once(
        api: Api, container: Container) -> None:
    order_ids = _orders(api, ORDERS)
    results = _race(container, order_ids, lambda i: None)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(str(r) for r in results) == _numbers(1, ORDERS)
    stored = _stored(api)
    assert [number for number, _ in stored] == _numbers(1, ORDERS)
    assert sorted(order for _, order in stored) == sorted(order_ids)
    assert _counter(container) == ORDERS


@pytest.mark.postgres_only
def test_invoices_rolled_back_after_taking_a_number_give_it_back(
        api: Api, container: Container) -> None:
    order_ids = _orders(api, ORDERS)

    def roll_back_odd_ones(i: int) -> None:
        if i % 2:
            time.sleep(0.05)  # hold the number while others queue behind the counter row
            raise RolledBackOnPurpose(str(i))

    results = _race(container, order_ids, roll_back_odd_ones)
    failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == list(range(1, ORDERS, 2))
    assert all(isinstance(results[i], RolledBackOnPurpose) for i in failed)
    committed = ORDERS // 2
    assert sorted(str(r) for r in results if isinstance(r, str)) == _numbers(1, committed)
    assert [number for number, _ in _stored(api)] == _numbers(1, committed)
    assert _counter(container) == committed
    # Nothing of a rolled-back invoice survives: no journal entry, no amount on the order.
    assert len(api.ok(api.get("/ledger/entries", source_type="invoice", limit=250))["items"]) \
        == committed
    assert {api.ok(api.get(f"/orders/{order_ids[i]}"))["amount_invoiced"] for i in failed} \
        == {"0.00"}
    # The series carries on from where the committed invoices left it.
    later = [api.ok(api.post(f"/orders/{order_ids[i]}/invoices"), 201)["number"] for i in failed]
    assert later == _numbers(committed + 1, ORDERS)

