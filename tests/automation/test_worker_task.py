"""The worker runs the automation consumer: its task list has it, and one pass acts."""

from __future__ import annotations

from pesanan.events import relay
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
