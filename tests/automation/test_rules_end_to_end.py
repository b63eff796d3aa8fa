"""The acceptance case of issue 11 item 6, on SQLite and PostgreSQL: "when shipment.shipped and
channel = web -> invoice the order" works end to end through the API, the relay and the
automation consumer, shows on the timeline as "by rule …", and does not invoice twice when
the event is delivered again. A refused action is recorded and does not stop later events."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.automation import consumer
from pesanan.events import consumers, relay
from tests.automation.helpers import automate, events_of, put_cursor_back, rule, ship, shop
from tests.factories import Api

INVOICE_WEB = {"name": "Invoice web orders when shipped", "trigger": "shipment.shipped",
               "conditions": [{"field": "channel", "op": "eq", "value": "web"}],
               "actions": [{"type": "invoice"}]}


def _invoices(api: Api, order: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok(api.get("/invoices", order_id=order["id"]))["items"]
    return items


def _timeline(api: Api, order: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    return items


def test_a_shipped_web_order_is_invoiced_by_the_rule_once_even_when_redelivered(api: Api
                                                                                ) -> None:
    wh = shop(api)
    r = rule(api, **INVOICE_WEB)
    buyer = api.customer("Sari")
    web = api.order(buyer["id"], [("TEE", 2)], channel="web")
    phone = api.order(buyer["id"], [("TEE", 1)], channel="phone", keyed_by="rep-budi",
                      keyed_at_location_id=wh["id"])
    ship(api, web)
    ship(api, phone)

    automate(api)

    (invoice,) = _invoices(api, web)
    assert invoice["total"] == "220.00"
    assert _invoices(api, phone) == []
    assert api.ok(api.get(f"/orders/{web['id']}"))["amount_invoiced"] == "220.00"
    issued = [e for e in _timeline(api, web) if e["kind"] == "invoice.issued"]
    assert [(e["message"], e["actor"]) for e in issued] == [
        (f"Invoice {invoice['number']} issued: 220.00 USD",
         "rule Invoice web orders when shipped")]
    (run,) = api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]
    (shipped,) = [e for e in events_of(api, "shipment.shipped")
                  if e["data"]["order_id"] == web["id"]]
    assert (run["outcome"], run["event_id"], run["subject_id"], run["error"]) == (
        "done", shipped["id"], web["id"], None)
    assert run["results"] == [{"type": "invoice", "invoice_id": invoice["id"],
                               "invoice_number": invoice["number"]}]

    # Deliver every event again: the consumer reads the shipment from the start once more.
    put_cursor_back(api, 0)
    assert automate(api) > 0

    assert [i["id"] for i in _invoices(api, web)] == [invoice["id"]]
    assert len(api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]) == 1
    assert len(events_of(api, "invoice.issued")) == 1


def test_a_refused_action_is_a_failed_run_and_later_events_still_run(api: Api) -> None:
    shop(api)
    r = rule(api, **INVOICE_WEB)
    buyer = api.customer("Sari")
    first = api.order(buyer["id"], [("TEE", 1)], channel="web")
    second = api.order(buyer["id"], [("TEE", 3)], channel="web")
    # Invoiced by hand before it ships: the rule's invoice has nothing left to invoice.
    by_hand = api.ok(api.post(f"/orders/{first['id']}/invoices", {}), 201)
    ship(api, first)
    ship(api, second)

    automate(api)

    assert [i["id"] for i in _invoices(api, first)] == [by_hand["id"]]
    (later,) = _invoices(api, second)
    assert later["total"] == "330.00"
    runs = api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]
    by_order = {x["subject_id"]: x for x in runs}
    assert by_order[first["id"]]["outcome"] == "failed"
    assert "already fully invoiced" in by_order[first["id"]]["error"]
    assert by_order[first["id"]]["results"] == []
    assert by_order[second["id"]]["outcome"] == "done"
    # The failed run left nothing of its own on the first order's timeline.
    assert [e["actor"] for e in _timeline(api, first) if e["kind"] == "invoice.issued"] == [
        "test-admin"]


@pytest.mark.postgres_only
def test_a_second_worker_skips_while_the_first_holds_the_automation_cursor(api: Api) -> None:
    shop(api)
    rule(api, **INVOICE_WEB)
    order = api.order(api.customer()["id"], [("TEE", 1)], channel="web")
    ship(api, order)
    while relay.stamp_pending(api.container.engine):
        pass
    put_cursor_back(api, 0)  # the cursor row exists (committed), as after a worker's first pass
    with api.container.engine.begin() as first:
        assert consumers.claim(first, consumer.NAME) == 0
        # The other worker's pass, while the first holds the cursor: it does nothing.
        assert consumer.run_once(api.container.engine) == 0
        assert _invoices(api, order) == []
    assert automate(api) > 0
    assert len(_invoices(api, order)) == 1


def test_two_rules_that_undo_each_other_stop_at_the_run_limit(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumer, "MAX_RUNS_PER_SUBJECT", 3)
    shop(api)
    hold = rule(api, "Hold released orders", "order.released", [],
                [{"type": "hold", "reason": "again"}])
    release = rule(api, "Release held orders", "order.held", [], [{"type": "release"}])
    order = api.order(api.customer()["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "by hand"}))

    automate(api)  # ends: without the limit this would never run out of events

    outcomes = {}
    for r in (hold, release):
        runs = api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]
        outcomes[r["name"]] = [x["outcome"] for x in reversed(runs)]
    assert outcomes == {"Release held orders": ["done", "done", "done", "failed"],
                        "Hold released orders": ["done", "done", "done"]}
    stopped = api.ok(api.get(f"/automation/rules/{release['id']}/runs"))["items"][0]
    assert stopped["error"] == (f"not run: the rule already ran 3 times on {order['id']}; "
                                "do two rules undo each other?")
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "on_hold"
