"""Deliveries in batches (migration 0024 and the batched claim, send and record): many events
to one endpoint each arrive once, one order's events in order, with the body built from the
outbox row; a batch cut after its sends (kill -9 before the record) is sent again, same ids."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import orjson
from sqlalchemy import select, update

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.delivery import machine
from pesanan.events import consumers
from pesanan.events.models import outbox
from pesanan.webhooks import deliver, fanout
from pesanan.webhooks.models import webhook_attempt, webhook_delivery
from tests.factories import Api
from tests.webhooks.helpers import emit_orders, endpoint, verify
from tests.webhooks.receiver import Receiver


def _send(c: Container) -> int:
    return deliver.send_due(c.engine, crypto.box_for(c.settings),
                            outbound.client_for(c.settings), deliver.rules_for(c.settings))


def test_fifty_events_go_in_two_batches_each_once_with_the_body_from_the_outbox(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url)
    emit_orders(hooks, 50, 1)
    with hooks.engine.connect() as conn:
        # Not copied into the delivery any more: the sender builds it from the outbox row.
        assert conn.execute(select(webhook_delivery.c.payload)).scalars().all() == [None] * 50
        rows = {e["id"]: fanout.payload(e) for e in consumers.read_after(conn, 0, 100)}

    assert _send(hooks) == deliver.BATCH  # one claim, one record for a whole batch
    assert _send(hooks) == 50 - deliver.BATCH
    assert _send(hooks) == 0

    got = receiver.received()
    ids = [verify(ep["secret"], g)["id"] for g in got]
    assert sorted(ids) == sorted(rows) and len(set(ids)) == 50
    for g in got:  # the very bytes of the envelope, signed
        assert g.body.decode() == rows[orjson.loads(g.body)["id"]]
    with hooks.engine.connect() as conn:
        assert set(conn.execute(select(webhook_delivery.c.status)).scalars()) == {"delivered"}
        assert len(conn.execute(select(webhook_attempt.c.id)).all()) == 50


def test_one_orders_events_arrive_in_order_across_batches(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url)
    orders = emit_orders(hooks, 10, 5)
    for _ in range(20):
        if _send(hooks) == 0:
            break
    seen: dict[str, list[int]] = defaultdict(list)
    for g in receiver.received():
        event = verify(ep["secret"], g)
        seen[event["aggregate_id"]].append(event["data"]["step"])
    assert {o: seen[o] for o in orders} == {o: [0, 1, 2, 3, 4] for o in orders}


def test_a_batch_cut_before_its_record_is_sent_again_with_the_same_ids(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url)
    emit_orders(hooks, 12, 1)
    box, client = crypto.box_for(hooks.settings), outbound.client_for(hooks.settings)
    kind = deliver.Webhooks(box, deliver.rules_for(hooks.settings))
    lease = timedelta(seconds=30)
    # The sender claims and sends the whole batch, then dies before recording any of it.
    items = machine.claim(hooks.engine, kind, now(), lease, 50)
    assert len(items) == 12
    for item in items[:7]:
        assert machine.attempt(kind.name, item, client.post).ok
    # Within the lease nobody sends them; once it ran out, the next sender sends them all.
    assert machine.send_batch(hooks.engine, kind, client, limit=50) == []
    later = now() + lease + timedelta(seconds=1)
    results = machine.send_batch(hooks.engine, kind, client, limit=50, at=later)
    assert results == ["delivered"] * 12

    by_id: dict[str, int] = defaultdict(int)
    for g in receiver.received():
        by_id[g.headers["webhook-id"]] += 1
    first = {f"msg_{i.row['id']}" for i in items[:7]}
    assert len(by_id) == 12  # nothing lost
    assert {k for k, n in by_id.items() if n == 2} == first  # the cut ones: again, same id
    with hooks.engine.connect() as conn:
        rows = conn.execute(select(webhook_delivery.c.status, webhook_delivery.c.attempts)
                            ).all()
    assert sorted(rows) == [("delivered", 1)] * 12


def test_a_delivery_made_before_0024_sends_its_stored_payload(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url)
    emit_orders(hooks, 1, 1)
    stored = orjson.dumps({"id": "evt_old", "type": "order.placed", "stored": True}).decode()
    with hooks.engine.begin() as conn:
        conn.execute(update(webhook_delivery).values(payload=stored))
        assert conn.execute(select(outbox.c.id)).all()  # the outbox row is there too
    assert _send(hooks) == 1
    [got] = receiver.received()
    assert got.body.decode() == stored and verify(ep["secret"], got)["stored"] is True
