"""Every consumer of the feed sees every event once, in commit order, even when transactions
commit out of sequence order (issue 11): the relay stamps positions on committed rows only.

The first test is the issue's case on PostgreSQL: the transaction holding the LOWER sequence
commits LAST, while GET /events, a consumer cursor and the relay run in between. Reading by
sequence (what the feed did before) would have moved past it for good."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import select

from pesanan.bootstrap import Container
from pesanan.db.tx import transact
from pesanan.events import consumers, relay
from pesanan.events.models import outbox
from pesanan.events.service import emit
from tests.factories import Api


def _sequence_of(container: Container, aggregate_id: str) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(outbox.c.sequence)
                                .where(outbox.c.aggregate_id == aggregate_id)).scalar_one())


def _read(container: Container, after: int) -> list[dict]:  # type: ignore[type-arg]
    with container.engine.connect() as conn:
        return consumers.read_after(conn, after, 100)


@pytest.mark.postgres_only
def test_the_lower_sequence_committed_last_is_never_skipped(api: Api, container: Container
                                                            ) -> None:
    slow = container.engine.connect()
    slow_tx = slow.begin()
    emit(slow, "stock.adjusted", "product", "slow", {"n": 1})  # takes the lower sequence
    transact(container.engine,
             lambda c: emit(c, "stock.adjusted", "product", "fast", {"n": 2}))  # commits first
    assert _sequence_of(container, "fast") > 0
    try:
        # The relay and the consumers run while the slow transaction is still open.
        assert relay.stamp_pending(container.engine) == 1
        page = api.ok(api.get("/events"))
        assert [e["data"]["n"] for e in page["items"]] == [2]
        after = page["next_after"]
        assert [e["data"]["n"] for e in _read(container, 0)] == [2]
        with container.engine.begin() as conn:
            pos = consumers.claim(conn, "test")
            assert pos == 0
            consumers.advance(conn, "test", consumers.read_after(conn, pos, 10)[-1]["sequence"])
    finally:
        slow_tx.commit()
        slow.close()
    # The premise: by sequence, "slow" sits BELOW the cursor a sequence reader would hold.
    assert _sequence_of(container, "slow") < _sequence_of(container, "fast")
    assert relay.stamp_pending(container.engine) == 1
    late = api.ok(api.get("/events", after=after))["items"]
    assert [e["data"]["n"] for e in late] == [1]
    with container.engine.begin() as conn:
        pos = consumers.claim(conn, "test")
        assert pos is not None
        assert [e["data"]["n"] for e in consumers.read_after(conn, pos, 10)] == [1]


@pytest.mark.postgres_only
def test_a_consumer_cursor_held_by_one_worker_is_skipped_by_another(container: Container
                                                                    ) -> None:
    holder = container.engine.connect()  # its first claim makes the cursor
    tx = holder.begin()
    try:
        assert consumers.claim(holder, "webhooks") == 0
        with container.engine.begin() as other:
            assert consumers.claim(other, "webhooks") is None  # no wait, no double handling
    finally:
        tx.rollback()
        holder.close()
    with container.engine.begin() as conn:
        assert consumers.claim(conn, "webhooks") == 0


def test_writers_committing_out_of_order_and_two_relays_lose_and_repeat_nothing(
        container: Container) -> None:
    """Writers that sleep between taking their sequence and committing, two relays stamping,
    one consumer polling with a cursor: the consumer ends with every event exactly once, and
    positions are gapless."""
    writers, per_writer = 4, 15
    done = threading.Event()
    failures: list[BaseException] = []

    def write(w: int) -> None:
        rnd = random.Random(w)
        try:
            for i in range(per_writer):
                def run(conn, i=i):  # type: ignore[no-untyped-def]
                    emit(conn, "stock.adjusted", "product", f"w{w}-{i}", {"w": w, "i": i})
                    time.sleep(rnd.uniform(0, 0.02))  # commit later than the sequence was taken
                transact(container.engine, run)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    def stamp() -> None:
        try:
            while not done.is_set():
                relay.stamp_pending(container.engine)
                time.sleep(0.002)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    relays = [threading.Thread(target=stamp) for _ in range(2)]
    for t in threads + relays:
        t.start()
    seen: list[str] = []
    cursor = 0
    deadline = time.monotonic() + 30  # a skipped event would otherwise be waited for forever
    while ((any(t.is_alive() for t in threads) or len(seen) < writers * per_writer)
           and time.monotonic() < deadline):
        for e in _read(container, cursor):
            seen.append(e["aggregate_id"])
            cursor = e["sequence"]
        time.sleep(0.001)
        if not any(t.is_alive() for t in threads) and not failures:
            relay.stamp_pending(container.engine)
        if failures:
            break
    done.set()
    for t in threads + relays:
        t.join()
    assert not failures, failures
    assert sorted(seen) == sorted(f"w{w}-{i}" for w in range(writers) for i in range(per_writer))
    assert len(seen) == len(set(seen))
    with container.engine.connect() as conn:
        positions = sorted(conn.execute(select(outbox.c.position)).scalars())
    assert positions == list(range(1, writers * per_writer + 1))
