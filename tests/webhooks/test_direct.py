"""The worker's fan-out (webhooks/direct.py) inserts what can go at once already leased and
sends it after the commit; everything else goes due to the delivery lane. On both databases,
against a real local receiver."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, update

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.delivery import machine
from pesanan.events import consumers, relay
from pesanan.events.service import emit
from pesanan.webhooks import deliver, direct, fanout
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from tests.factories import Api
from tests.webhooks.helpers import endpoint, verify
from tests.webhooks.receiver import Received, Receiver


def _emit(c: Container, *aggregates: str) -> None:
    """One order.placed per aggregate, each in a transaction of its own, stamped."""
    for agg in aggregates:
        def tx(conn: Connection, agg: str = agg) -> None:
            emit(conn, "order.placed", "order", agg, {"id": agg})
        transact(c.engine, tx)
    relay.stamp_pending(c.engine)


def _run(c: Container) -> int:
    return direct.run(c.engine, crypto.box_for(c.settings), outbound.client_for(c.settings),
                      deliver.rules_for(c.settings))


def _send_due(c: Container, **kw: Any) -> int:
    return deliver.send_due(c.engine, crypto.box_for(c.settings),
                            outbound.client_for(c.settings), deliver.rules_for(c.settings), **kw)


def _rows(c: Container) -> dict[str, dict[str, Any]]:
    """Deliveries by their aggregate id (one endpoint, one event per aggregate)."""
    with c.engine.connect() as conn:
        return {r["aggregate_id"]: dict(r) for r in conn.execute(
            webhook_delivery.select()).mappings()}


def _aggs(got: list[Received]) -> list[str]:
    return [json.loads(r.body)["aggregate_id"] for r in got]


def test_what_can_go_at_once_is_sent_by_fan_out_signed_once_and_recorded(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    a, b = new_id(), new_id()
    _emit(hooks, a, b, a)  # a's second event waits for its first

    assert _run(hooks) == 3
    got = receiver.received()
    assert sorted(_aggs(got)) == sorted([a, b])
    with hooks.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(
            webhook_delivery.select().order_by(webhook_delivery.c.position)).mappings()]
        logged = conn.execute(webhook_attempt.select()).mappings().all()
    first_a, only_b, second_a = rows
    for row in (first_a, only_b):
        assert (row["status"], row["attempts"], row["last_status"]) == ("delivered", 1, 204)
    assert {r.headers["webhook-id"] for r in got} == {
        f"msg_{first_a['id']}", f"msg_{only_b['id']}"}
    for r in got:
        assert verify(ep["secret"], r)["type"] == "order.placed"
    with hooks.engine.connect() as conn:  # the very bytes the delivery lane would send
        bodies = {fanout.payload(e) for e in consumers.read_after(conn, 0, 10)}
    assert {r.body.decode() for r in got} <= bodies
    assert sorted(x["delivery_id"] for x in logged) == sorted([first_a["id"], only_b["id"]])
    # The later event of a was left due, not leased: the delivery lane sends it now.
    assert (second_a["status"], second_a["attempts"]) == ("pending", 0)
    assert second_a["next_attempt_at"] <= now()
    assert _send_due(hooks) == 1
    assert _aggs(receiver.received())[2:] == [a]
    assert _run(hooks) == 0  # nothing new, nothing sent twice
    assert len(receiver.received()) == 3


def test_an_earlier_pending_delivery_of_the_order_holds_the_new_one_back(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url, ["order.placed"])
    a = new_id()
    _emit(hooks, a)
    fanout.run(hooks.engine)  # a's first delivery: pending, not sent yet
    _emit(hooks, a)
    assert _run(hooks) == 1
    assert receiver.received() == []  # not before its predecessor
    assert _send_due(hooks) == 1  # the first; the second is still held back by it
    assert _send_due(hooks) == 1
    with hooks.engine.connect() as conn:
        sent = [json.loads(r.body)["sequence"] for r in receiver.received()]
        positions = sorted(r["position"] for r in conn.execute(
            webhook_delivery.select()).mappings())
    assert sent == positions


def test_a_failing_endpoint_gets_nothing_from_fan_out(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    with hooks.engine.begin() as conn:
        conn.execute(update(webhook_endpoint).where(webhook_endpoint.c.id == ep["id"])
                     .values(failing_since=now()))
    a = new_id()
    _emit(hooks, a)
    assert _run(hooks) == 1
    assert receiver.received() == []
    assert _rows(hooks)[a]["next_attempt_at"] <= now()  # due: the delivery lane's
    assert _send_due(hooks) == 1 and _aggs(receiver.received()) == [a]


def test_at_most_send_rows_are_leased_and_the_rest_go_due(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url, ["order.placed"])
    a, b, c = new_id(), new_id(), new_id()
    _emit(hooks, a, b, c)
    kind = deliver.Webhooks(crypto.box_for(hooks.settings), deliver.Rules())
    at = now()
    until = at + timedelta(seconds=30)
    taken, items, due = transact(hooks.engine, lambda conn: direct.fan_out(
        conn, kind, at, until, send=2))
    assert (taken, due) == (3, 1) and [i.row["aggregate_id"] for i in items] == [a, b]
    rows = _rows(hooks)
    assert [rows[x]["next_attempt_at"] for x in (a, b, c)] == [until, until, at]


def test_a_worker_killed_after_the_commit_leaves_its_leased_rows_to_any_sender_later(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url, ["order.placed"])
    a = new_id()
    _emit(hooks, a)
    kind = deliver.Webhooks(crypto.box_for(hooks.settings), deliver.Rules())
    lease = timedelta(seconds=30)
    at = now()

    def fan(conn: Connection) -> Any:
        return direct.fan_out(conn, kind, at, at + lease)
    _, [leased], _ = transact(hooks.engine, fan)  # committed; the sender "dies" before sending
    box = crypto.box_for(hooks.settings)
    assert deliver.claim(hooks.engine, now(), lease, box) == []  # still its lease
    later = at + lease + timedelta(seconds=1)
    assert _send_due(hooks, limit=32) == 0
    [again] = deliver.claim(hooks.engine, later, lease, box)
    assert again.row["id"] == leased.row["id"]
    client = outbound.client_for(hooks.settings)
    with hooks.engine.begin() as conn:
        assert machine.record_all(conn, kind, [
            (again, machine.attempt(kind.name, again, client.post), later)]) == ["delivered"]
    # The dead sender's answer, were it to come in late, is fenced off.
    with hooks.engine.begin() as conn:
        assert machine.record_all(conn, kind, [
            (leased, machine.Outcome(204, None, None, 1), now())]) == ["lost"]
    got = receiver.received()
    assert [r.headers["webhook-id"] for r in got] == [f"msg_{leased.row['id']}"]
    assert leased.headers["webhook-id"] == got[0].headers["webhook-id"]


def test_what_got_through_is_one_info_line_per_batch_and_the_rest_one_per_delivery(
        api: Api, hooks: Container, caplog: pytest.LogCaptureFixture) -> None:
    a, b = new_id(), new_id()
    receiver = Receiver(lambda got: 500 if b.encode() in got.body else 204)
    try:
        endpoint(api, receiver.url, ["order.placed"])
        _emit(hooks, a, b)
        with caplog.at_level(logging.INFO, logger="pesanan.delivery"):
            assert _run(hooks) == 2
    finally:
        receiver.stop()
    # Only the delivery's own lines: in the whole suite other loggers (httpx's "HTTP Request")
    # may be at INFO too.
    lines = [r.getMessage() for r in caplog.records
             if r.levelno >= logging.INFO and r.name.startswith("pesanan.delivery")]
    rows = _rows(hooks)
    assert lines == [f"webhook delivery {rows[b]['id']}: retry (500)",
                     "webhook delivery: 1 of 2 delivered"]


def test_a_slow_receiver_gets_what_starts_in_half_a_deadline_and_the_rest_is_released(
        api: Api, hooks: Container, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    # One connection, each answer 0.3 s, a deadline of 0.4 s: sends may start only in the
    # batch's first 0.2 s, so the first goes and the two behind it are released, not left
    # leased until the lease ran out (and not counted as attempts: nothing was tried).
    monkeypatch.setattr(machine, "PER_ORIGIN", 1)
    endpoint(api, receiver.url, ["order.placed"])
    a, b, c = new_id(), new_id(), new_id()
    _emit(hooks, a, b, c)
    client = dataclasses.replace(outbound.client_for(hooks.settings), deadline=0.4)

    def slow(url: str, body: bytes, headers: dict[str, str]) -> outbound.Answer:
        time.sleep(0.3)
        return client.post(url, body, headers)
    assert direct.run_pass(hooks.engine, crypto.box_for(hooks.settings), client,
                           deliver.rules_for(hooks.settings), sender=slow) == (3, 2)

    assert _aggs(receiver.received()) == [a]
    rows = _rows(hooks)
    assert (rows[a]["status"], rows[a]["attempts"]) == ("delivered", 1)
    for x in (b, c):
        assert (rows[x]["status"], rows[x]["attempts"]) == ("pending", 0)
        assert rows[x]["next_attempt_at"] <= now()  # due again at once
    with hooks.engine.connect() as conn:
        assert [r.delivery_id for r in conn.execute(webhook_attempt.select())] == [
            rows[a]["id"]]
    assert _send_due(hooks) == 2
    assert _aggs(receiver.received())[1:] == [b, c]
