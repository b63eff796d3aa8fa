"""The demo sends some card-paid deliveries back: requested, approved, received, refunded, with
the ledger and every invariant in step."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from pesanan.demo import Simulation, ensure_shop, load
from pesanan.demo import returns as demo_returns


def test_demo_returns_go_the_whole_way(container: Container,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_returns, "SHARE", 1.0)  # every card-paid delivery comes back
    rng = random.Random(3)
    ensure_shop(container.engine, rng, 30)
    sim = Simulation(container.engine, load(container.engine), rng, 10)
    for _ in range(8):
        sim.run_day()

    assert sim.tally.returns > 0
    with container.engine.connect() as conn:
        by_status = dict(conn.execute(text(
            "SELECT status, COUNT(*) FROM rma GROUP BY status")).all())
        refunds = conn.execute(text("SELECT COUNT(*) FROM refund")).scalar_one()
        notes = conn.execute(text("SELECT COUNT(*) FROM credit_note")).scalar_one()
    assert sum(by_status.values()) == sim.tally.returns
    assert by_status.get("refunded", 0) > 0, by_status
    assert refunds == notes == by_status["refunded"] + by_status.get("closed", 0)
    with checks.snapshot(container.engine) as conn:
        assert {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok} == {}
