"""The demo shop runs three automation rules: its business orders are tagged, big web orders
tagged and announced, cash-on-delivery shipments get a note — by the rule, on the timeline —
and the simulation's own invoicing and holds are not disturbed (the audit stays clean)."""

from __future__ import annotations

import random

from sqlalchemy import text

from pesanan.audit import checks
from pesanan.automation import consumer
from pesanan.bootstrap import Container
from pesanan.demo import Simulation, data, ensure_shop, load
from pesanan.events import relay


def test_the_demo_shops_rules_act_on_its_trade(container: Container) -> None:
    rng = random.Random(7)
    ensure_shop(container.engine, rng, 20)
    sim = Simulation(container.engine, load(container.engine), rng, 12)
    for _ in range(3):
        sim.run_day()
        while relay.stamp_pending(container.engine):
            pass
        while consumer.run_once(container.engine):
            pass

    with container.engine.connect() as conn:
        runs = dict(conn.execute(text(
            "SELECT r.name, COUNT(*) FROM rule_run x JOIN automation_rule r ON r.id = x.rule_id "
            "WHERE x.outcome = 'done' GROUP BY r.name")).all())
        failed = conn.execute(text("SELECT COUNT(*) FROM rule_run WHERE outcome <> 'done'")
                              ).scalar_one()
        b2b_orders = conn.execute(text(
            "SELECT COUNT(*) FROM sales_order o JOIN customer c ON c.id = o.customer_id "
            "WHERE c.payment_preference = 'invoice'")).scalar_one()
        tagged = conn.execute(text("SELECT COUNT(*) FROM order_tag WHERE tag = 'b2b'")
                              ).scalar_one()
        big_web = conn.execute(text(
            "SELECT COUNT(*) FROM sales_order WHERE channel = 'web' AND total > :t"),
            {"t": int(data.HOLD_ABOVE) * 10_000}).scalar_one()  # Amount: scaled by 10^4
        notified = conn.execute(text(
            "SELECT COUNT(*) FROM outbox WHERE type = 'automation.notified'")).scalar_one()
        cod_notes = conn.execute(text(
            "SELECT COUNT(*) FROM order_event WHERE kind = 'order.note' "
            "AND actor = 'rule Cash on delivery reminder'")).scalar_one()
    assert failed == 0, runs
    assert b2b_orders > 0 and tagged == b2b_orders == runs["Tag business orders"]
    assert notified == big_web == runs["Big web orders"] > 0
    assert cod_notes == runs["Cash on delivery reminder"] > 0
    with checks.snapshot(container.engine) as conn:
        assert {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok} == {}
