"""Two runs of a job at once (the scheduler's claim should prevent it; these guards hold even
when it does not): both read the same work, and still each effect happens once, because the
memory row is written as insert-if-absent / compare-and-set before the event is emitted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from pesanan.billing import reminders
from pesanan.core.clock import now
from pesanan.db.tx import transact
from pesanan.flows import sla
from tests.factories import Api
from tests.jobs.outbox import emitted

pytestmark = pytest.mark.postgres_only


def _together(run: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            results.append(run())
        except BaseException as e:  # reported below, so a failing thread fails the test
            errors.append(e)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return results


def _both_read_before_either_writes(monkeypatch: pytest.MonkeyPatch, module: Any,
                                    name: str) -> None:
    """Both runs read their work list, then wait for each other before writing."""
    barrier = threading.Barrier(2, timeout=10)
    original = getattr(module, name)

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(module, name, read_then_wait)


def test_two_reminder_runs_at_once_remind_each_invoice_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.product("TEE", price="100.00")
    api.stock("TEE", api.location()["id"], 10)
    invoices = []
    for _ in range(3):
        order = api.order(api.customer()["id"], [("TEE", 1)])
        invoices.append(api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201))
    at = datetime.fromisoformat(invoices[-1]["due_at"]) + timedelta(days=2)
    _both_read_before_either_writes(monkeypatch, reminders, "due_reminders")
    results = _together(lambda: transact(api.container.engine, lambda conn: reminders.
                                         remind_overdue(conn, at, timedelta(days=7),
                                                        timedelta(days=1))))
    assert sum(r["reminded"] for r in results) == 3
    assert sorted(e["aggregate_id"] for e in emitted(api.container, "invoice.overdue")) == sorted(
        i["id"] for i in invoices)


def test_two_sla_runs_at_once_report_each_breach_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.product("TEE", price="100.00")
    api.stock("TEE", api.location()["id"], 10)
    orders = [api.order(api.customer()["id"], [("TEE", 1)]) for _ in range(2)]
    at = now() + timedelta(hours=25)
    _both_read_before_either_writes(monkeypatch, sla, "_waiting")
    results = _together(lambda: transact(api.container.engine, lambda conn: sla.check_sla(
        conn, at, {"released": 24})))
    assert sum(r["breached"]["released"] for r in results) == 2
    assert sorted(e["order_id"] for e in emitted(api.container, "sla.breached")) == sorted(
        o["id"] for o in orders)
