"""The worker runs the automation consumer: its task list has it, and one pass acts."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.automation import consumer
from pesanan.events import consumers, relay
from pesanan.worker.tasks import tasks
from tests.automation.helpers import rule, shop
from tests.factories import Api


def test_the_workers_automation_task_runs_the_rules(api: Api) -> None:
    (task,) = [t for t in tasks(api.container) if t.name == "automation"]
    shop(api)
    rule(api, "Tag web", "order.placed", [{"field": "channel", "op": "eq", "value": "web"}],
         [{"type": "tag", "tag": "web"}])
    order = api.order(api.customer()["id"], [("TEE", 1)], channel="web")
    relay.stamp_pending(api.container.engine)

    assert task.run(api.container) > 0
    assert task.run(api.container) == 0  # caught up

    timeline = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    assert ("Tagged web", "rule Tag web") in [(e["message"], e["actor"]) for e in timeline]


def test_with_no_rule_enabled_the_consumer_passes_the_events_over_unread(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    shop(api)
    customer = api.customer()["id"]
    api.order(customer, [("TEE", 1)], channel="web")
    relay.stamp_pending(api.container.engine)
    real = consumers.read_after

    def unread(*args: Any, **kw: Any) -> Any:
        raise AssertionError("no rule is enabled: the events need not be read")
    monkeypatch.setattr(consumers, "read_after", unread)
    assert consumer.run_once(api.container.engine) > 0
    monkeypatch.setattr(consumers, "read_after", real)
    assert consumer.run_once(api.container.engine) == 0  # caught up
    with api.container.engine.connect() as conn:
        newest = consumers.newest_position(conn)
        assert consumers.lag(conn)["cursors"]["automation"] == newest

    # A rule made now acts on the events after it, read as before.
    rule(api, "Tag web", "order.placed", [{"field": "channel", "op": "eq", "value": "web"}],
         [{"type": "tag", "tag": "web"}])
    order = api.order(customer, [("TEE", 1)], channel="web")
    relay.stamp_pending(api.container.engine)
    assert consumer.run_once(api.container.engine) > 0
    timeline = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    assert ("Tagged web", "rule Tag web") in [(e["message"], e["actor"]) for e in timeline]
