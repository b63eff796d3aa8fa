"""The broker publisher against the real NATS server (JetStream), on SQLite and PostgreSQL:
every event once, in feed order, on its type's subject; a crash between publish and cursor
advance republishes with the same Nats-Msg-Id and the stream keeps one copy; a broker outage
fails the pass, keeps the cursor, and a later pass catches up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
import pytest

from pesanan.bootstrap import Container
from pesanan.broker import publisher
from pesanan.broker.lag import publish_lag
from pesanan.broker.link import DEDUP_WINDOW, Link
from pesanan.broker.publisher import publish_pending
from pesanan.broker.subjects import Message
from pesanan.core.clock import now
from pesanan.db.tx import transact
from pesanan.events import consumers
from pesanan.events.consumers import claim, read_after
from pesanan.events.relay import stamp_pending
from pesanan.events.service import emit
from tests.broker.conftest import Names
from tests.broker.nats_tools import Proxy, read_stream, stream_info


def emit_events(container: Container, *types: str, aggregate: str = "o1") -> None:
    """One transaction emitting `types` for one order, then the relay stamps them."""
    def run(conn: Any) -> None:
        for n, t in enumerate(types):
            emit(conn, t, "order", aggregate, {"n": n})
    transact(container.engine, run)
    stamp_pending(container.engine)


def one_pass(container: Container, link: Link, limit: int = publisher.BATCH) -> int:
    return publish_pending(container.engine, container.read_engine, link, limit)


def feed(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return read_after(conn, 0, 1000)


def lag(container: Container, **kw: Any) -> dict[str, Any]:
    with container.engine.connect() as conn:
        return publish_lag(conn, **kw)


def test_every_event_goes_out_once_in_feed_order_on_its_own_subject(
        container: Container, names: Names, link: Link) -> None:
    emit_events(container, "order.placed", "stock.adjusted", aggregate="o1")
    emit_events(container, "order.placed", "order.cancelled", "stock.adjusted", aggregate="o2")

    assert one_pass(container, link) == 5
    assert one_pass(container, link) == 0  # nothing new: nothing sent

    events = feed(container)
    got = read_stream(names.stream, names.prefix)
    assert [m.subject for m in got] == [f"{names.prefix}.{t}" for t in (
        "order.placed", "stock.adjusted", "order.placed", "order.cancelled", "stock.adjusted")]
    assert [orjson.loads(m.data) for m in got] == events
    assert [m.msg_id for m in got] == [e["id"] for e in events]
    assert [orjson.loads(m.data)["sequence"] for m in got] == [1, 2, 3, 4, 5]
    info = stream_info(names.stream)  # made at the first connect
    assert info.config.subjects == [f"{names.prefix}.>"]
    assert info.config.duplicate_window == DEDUP_WINDOW >= 120
    assert lag(container) == {"position": 5, "newest_position": 5, "behind": 0,
                              "oldest_unpublished_seconds": 0.0}


def test_a_pass_publishes_one_bounded_batch_and_the_next_goes_on_from_the_cursor(
        container: Container, names: Names, link: Link) -> None:
    emit_events(container, *["order.placed"] * 5)
    assert [one_pass(container, link, limit=2) for _ in range(4)] == [2, 2, 1, 0]
    assert [m.msg_id for m in read_stream(names.stream, names.prefix)] == \
        [e["id"] for e in feed(container)]


def test_a_crash_between_publish_and_advance_republishes_the_same_ids_and_the_stream_keeps_one(
        container: Container, names: Names, link: Link, monkeypatch: pytest.MonkeyPatch) -> None:
    emit_events(container, "order.placed", "invoice.issued", "payment.recorded")
    real_advance = consumers.advance
    crashes = [RuntimeError("worker died before the commit")]

    def advance_crashing_once(conn: Any, name: str, position: int) -> None:
        if crashes:
            raise crashes.pop()
        real_advance(conn, name, position)

    duplicates: list[int] = []
    real_publish = link.publish

    def publish_counting(messages: list[Message]) -> int:
        duplicates.append(real_publish(messages))
        return duplicates[-1]

    monkeypatch.setattr(publisher, "advance", advance_crashing_once)
    monkeypatch.setattr(link, "publish", publish_counting)

    with pytest.raises(RuntimeError, match="worker died"):
        one_pass(container, link)
    assert lag(container)["position"] == 0  # the cursor did not move
    assert len(read_stream(names.stream, names.prefix)) == 3  # but the broker has them

    assert one_pass(container, link) == 3  # the same batch again
    assert duplicates == [0, 3]  # JetStream knew all three by their Nats-Msg-Id
    got = read_stream(names.stream, names.prefix)
    assert [m.msg_id for m in got] == [e["id"] for e in feed(container)]
    assert [m.stream_seq for m in got] == [1, 2, 3]
    assert lag(container)["position"] == 3


def test_a_broker_outage_fails_the_pass_keeps_the_cursor_and_a_later_pass_catches_up(
        container: Container, names: Names) -> None:
    proxy = Proxy()  # the broker, as this link sees it: down until started
    link = Link(proxy.url, names.stream, names.prefix, timeout=1.0)
    try:
        emit_events(container, "order.placed", "order.completed")
        with pytest.raises(Exception, match="no servers"):
            one_pass(container, link)
        assert lag(container)["position"] == 0
        assert lag(container)["behind"] == 2

        proxy.start()
        assert one_pass(container, link) == 2

        proxy.stop()  # cut the live connection, refuse new ones
        emit_events(container, "order.placed", aggregate="o2")
        with pytest.raises(Exception):  # noqa: B017 - closed or timed out, either is an outage
            one_pass(container, link)
        assert lag(container)["position"] == 2

        proxy.start()
        assert one_pass(container, link) == 1  # reconnected by itself
    finally:
        link.close()
        proxy.stop()
    got = read_stream(names.stream, names.prefix)
    assert [m.msg_id for m in got] == [e["id"] for e in feed(container)]
    assert len(got) == 3


def test_a_broker_that_hangs_mid_batch_fails_the_pass_within_the_timeout(
        container: Container, names: Names) -> None:
    # The cursor row (on SQLite the write lock) is held while a batch waits for its acks: a
    # broker that stops answering must cost at most the timeout, then the pass gives up.
    proxy = Proxy()
    proxy.start()
    link = Link(proxy.url, names.stream, names.prefix, timeout=0.5)
    try:
        link.connect()
        emit_events(container, "order.placed", "order.completed")
        proxy.frozen.set()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            one_pass(container, link)
        assert time.monotonic() - started < 1.5
        assert lag(container)["position"] == 0
        proxy.frozen.clear()
        proxy.stop()  # what reached the broker before the freeze, if anything, stays deduped
        proxy.start()
        assert one_pass(container, link) == 2
    finally:
        link.close()
        proxy.stop()
    assert [m.msg_id for m in read_stream(names.stream, names.prefix)] == \
        [e["id"] for e in feed(container)]


def test_the_shop_writes_on_while_a_batch_waits_for_the_broker(
        container: Container, names: Names) -> None:
    # A batch waiting on a hung broker holds the broker's cursor only: on SQLite, where a
    # transaction takes the one write lock at BEGIN, it publishes outside any write transaction.
    proxy = Proxy()
    proxy.start()
    link = Link(proxy.url, names.stream, names.prefix, timeout=1.5)
    failed: list[BaseException] = []
    try:
        link.connect()
        emit_events(container, "order.placed")
        proxy.frozen.set()
        waiting = threading.Thread(target=lambda: _fails(failed, lambda: one_pass(container, link)))
        waiting.start()
        time.sleep(0.2)  # the batch is out, waiting for acks that do not come
        started = time.monotonic()
        emit_events(container, "order.cancelled")  # an order command meanwhile
        assert time.monotonic() - started < 0.5
        assert waiting.is_alive()  # the batch was still waiting all along
        waiting.join(5)
        assert [type(e) for e in failed] == [TimeoutError]
    finally:
        link.close()
        proxy.stop()


def _fails(into: list[BaseException], fn: Callable[[], object]) -> None:
    try:
        fn()
    except BaseException as exc:
        into.append(exc)


@pytest.mark.postgres_only
def test_a_second_worker_skips_while_one_holds_the_broker_cursor(
        container: Container, names: Names, link: Link) -> None:
    # The cursor row exists (a first pass made it): while the first claim's INSERT of it is
    # uncommitted, a second claim's INSERT waits for it instead of skipping.
    assert one_pass(container, link) == 0
    emit_events(container, "order.placed", "order.cancelled")
    with container.engine.begin() as holder:
        assert claim(holder, publisher.NAME) == 0  # worker one, mid-batch
        assert one_pass(container, link) == 0  # worker two: skips, no wait
        assert read_stream(names.stream, names.prefix) == []
    assert one_pass(container, link) == 2


def test_lag_shows_the_cursor_the_feed_head_and_the_oldest_event_not_on_the_broker(
        container: Container, names: Names, link: Link) -> None:
    emit_events(container, "order.placed", "order.completed")
    later = now() + timedelta(seconds=60)
    waiting = lag(container, at=later)
    assert (waiting["position"], waiting["newest_position"], waiting["behind"]) == (0, 2, 2)
    assert 59 < waiting["oldest_unpublished_seconds"] < 70

    assert one_pass(container, link) == 2
    transact(container.engine, lambda conn: emit(conn, "order.placed", "order", "o3", {}))
    # Not stamped yet (the relay is behind): not on the broker either, and its age shows.
    stalled = lag(container, at=later)
    assert (stalled["position"], stalled["behind"]) == (2, 0)
    assert 59 < stalled["oldest_unpublished_seconds"] < 70

    stamp_pending(container.engine)
    assert one_pass(container, link) == 1
    assert lag(container)["oldest_unpublished_seconds"] == 0.0
