"""Two workers publishing from one PostgreSQL while orders keep committing: one publishes at a
time (the cursor row, SKIP LOCKED), so no batch goes out twice and the stream holds every
event once, in feed order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import orjson
import pytest
from sqlalchemy import Connection

from pesanan.bootstrap import Container
from pesanan.broker.link import Link
from pesanan.broker.publisher import publish_pending
from pesanan.broker.subjects import Message
from pesanan.db.tx import transact
from pesanan.events.consumers import read_after
from pesanan.events.relay import stamp_pending
from pesanan.events.service import emit
from tests.broker.conftest import Names
from tests.broker.nats_tools import NATS_URL, read_stream

EVENTS = 300


@pytest.mark.postgres_only
def test_two_workers_never_publish_the_same_event_and_the_stream_keeps_feed_order(
        container: Container, names: Names, monkeypatch: pytest.MonkeyPatch) -> None:
    links = [Link(NATS_URL, names.stream, names.prefix, timeout=2.0) for _ in range(2)]
    produced = threading.Event()
    published = [0, 0]
    duplicates = [0, 0]
    errors: list[BaseException] = []

    def shop() -> None:  # small transactions, stamped as they come, like the relay would
        try:
            for n in range(0, EVENTS, 3):
                def three(conn: Connection, n: int = n) -> None:
                    for k in range(3):
                        emit(conn, "order.placed", "order", f"o{n + k}", {"n": n + k})
                transact(container.engine, three)
                stamp_pending(container.engine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            produced.set()

    def counting(i: int) -> Callable[[list[Message]], int]:
        real = links[i].publish

        def publish(messages: list[Message]) -> int:
            duplicates[i] += (dup := real(messages))
            return dup
        return publish

    for i in range(2):
        monkeypatch.setattr(links[i], "publish", counting(i))

    def worker(i: int) -> None:
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                done = produced.is_set()
                got = publish_pending(container.engine, container.read_engine, links[i], limit=20)
                published[i] += got
                if done and got == 0 and sum(published) >= EVENTS:
                    return
                if got == 0:
                    time.sleep(0.01)  # skipped or idle: the worker's `every`, shortened
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=shop)] + \
        [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    finally:
        for link in links:
            link.close()
    assert errors == []
    assert sum(published) == EVENTS  # each event counted by exactly one worker
    assert duplicates == [0, 0]  # nobody sent a batch the other had sent
    with container.engine.connect() as conn:
        feed = read_after(conn, 0, EVENTS + 1)
    got = read_stream(names.stream, names.prefix)
    assert [m.msg_id for m in got] == [e["id"] for e in feed]
    assert [orjson.loads(m.data)["sequence"] for m in got] == list(range(1, EVENTS + 1))
    assert min(published) > 0, published  # both workers did publish: they really shared it
