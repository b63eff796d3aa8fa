"""The delivery claim stays cheap on a table PostgreSQL has no statistics for (never analyzed:
autovacuum off, as in CI, or lagging behind a burst). Its plan then rests on defaults, and the
per-order check ("no earlier pending delivery of this order to this endpoint") once read the
whole pending queue per candidate, through one index or the other: quadratic in the pending
deliveries (1.2 s per claim with 3,700 pending in the worker benchmark). Counted in buffers,
which do not depend on the machine's speed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection

from pesanan.bootstrap import Container
from pesanan.core.clock import now
from pesanan.webhooks import locks
from tests.factories import Api
from tests.webhooks.helpers import emit_orders, endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.postgres_only

PENDING = 600


def _buffers(conn: Connection, limit: int) -> tuple[int, int]:
    """(rows, shared buffers hit or read) of one claim, run under EXPLAIN ANALYZE."""
    compiled = locks._DUE[True].compile(dialect=conn.dialect)
    params = compiled.construct_params({"at": now(), "limit": limit})
    [[plan]] = conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + str(compiled), params).all()
    top: dict[str, Any] = plan[0]["Plan"]
    return int(top["Actual Rows"]), int(top["Shared Hit Blocks"]) + int(top["Shared Read Blocks"])


def test_a_claim_reads_a_few_buffers_per_pending_delivery_not_the_whole_queue_per_one(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url)
    emit_orders(hooks, PENDING // 2, 2)  # two events per order: half wait for an earlier
    with hooks.engine.connect() as conn:
        rows, buffers = _buffers(conn, 32)
        conn.rollback()  # the claim's row locks
    assert rows == 32
    # A few buffers per pending delivery (its heap row, its probe of the per-order index);
    # the quadratic plans read 33 per pending delivery here (20,000), more as the queue grows.
    assert buffers < 12 * PENDING, buffers
