"""The worker's relay task looks whether anything waits (one indexed read) only after a pass
that found nothing; after a pass that stamped events it goes straight to the stamping
transaction, and both ways every committed event is stamped."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.bootstrap import Container
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.events import relay
from pesanan.events.service import emit
from pesanan.worker.tasks import tasks


def test_the_relay_looks_first_only_after_an_idle_pass(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    (task,) = [t for t in tasks(container) if t.name == "events.relay"]
    looked: list[bool] = []
    real = relay.stamp_pending

    def spy(engine: Any, limit: int = relay.BATCH, *, look_first: bool = True) -> int:
        looked.append(look_first)
        return real(engine, limit, look_first=look_first)
    monkeypatch.setattr(relay, "stamp_pending", spy)

    def two(conn: Any) -> None:
        for _ in range(2):
            emit(conn, "order.placed", "order", new_id(), {})
    transact(container.engine, two)
    assert task.run(container) == 2  # looked first: the pass before (none) found nothing
    assert task.run(container) == 0  # straight to stamping: nothing more, nothing broken
    assert task.run(container) == 0  # and after that idle pass it looks again
    assert looked == [True, False, True]
