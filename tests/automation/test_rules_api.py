"""/api/v1/automation/rules on SQLite and PostgreSQL: refused input names the bad part and
creates nothing; each action through its service as the rule; once per (rule, event) for the
actions that are not idempotent by themselves; a rule acts only on events after it was made."""

from __future__ import annotations

from typing import Any

import pytest

from tests.automation.helpers import automate, events_of, put_cursor_back, rule, ship, shop
from tests.dbs import row_counts
from tests.factories import Api


def _refused(api: Api, body: dict[str, Any], status: int = 422) -> dict[str, Any]:
    api.key()  # made before counting: the first request creates the test's key
    before = row_counts(api.container.engine)
    problem = api.ok(api.post("/automation/rules", body), status)
    assert row_counts(api.container.engine) == before
    return problem


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"trigger": "shipment.shiped"}, "trigger", "not an event a rule can start from"),
    ({"conditions": [{"field": "channel", "op": "eq", "value": "web"},
                     {"field": "total", "op": "gt", "value": "1000000"}]},
     "conditions[1]", 'must be {"amount": "1000000.00", "currency": "IDR"}'),
    ({"conditions": [{"field": "country", "op": "gt", "value": "ID"}]},
     "conditions[0]", "op 'gt' does not apply to country"),
    ({"actions": [{"type": "invoice"}, {"type": "submit_purchase_order"}]},
     "actions[1]", "submit_purchase_order acts on a purchase_order"),
])
def test_an_invalid_rule_is_422_naming_the_bad_part_and_nothing_is_created(
        api: Api, body: dict[str, Any], field: str, says: str) -> None:
    problem = _refused(api, {"name": "Invoice web orders", "trigger": "shipment.shipped",
                             "conditions": [], "actions": [{"type": "invoice"}], **body})
    assert problem["type"] == "/problems/validation-error"
    (error,) = problem["errors"]
    assert error["field"] == field
    assert says in error["message"]


def test_an_unknown_action_is_422_from_the_schema(api: Api) -> None:
    problem = _refused(api, {"name": "X", "trigger": "order.placed",
                             "actions": [{"type": "refund"}]})
    assert any("actions" in e["field"] for e in problem["errors"]), problem


def test_names_are_unique_and_a_rule_that_ran_is_not_deleted(api: Api) -> None:
    r = rule(api, "Note placed", "order.placed", [],
             [{"type": "note", "message": "seen by automation"}])
    dup = _refused(api, {"name": "Note placed", "trigger": "order.placed",
                         "actions": [{"type": "invoice"}]}, 409)
    assert dup["errors"][0]["field"] == "name"
    spare = rule(api, "Spare", "order.placed", [], [{"type": "tag", "tag": "x"}])
    assert api.ok(api.client.delete(f"/api/v1/automation/rules/{spare['id']}",
                                    headers=api.headers()))["name"] == "Spare"
    shop(api)
    api.order(api.customer()["id"], [("TEE", 1)])
    automate(api)

    refused = api.client.delete(f"/api/v1/automation/rules/{r['id']}", headers=api.headers())

    assert refused.status_code == 409, refused.text
    assert [x["name"] for x in api.ok(api.get("/automation/rules"))["items"]] == ["Note placed"]


def test_hold_tag_note_and_notify_act_as_the_rule_once_per_event(api: Api) -> None:
    shop(api)
    r = rule(api, "Check big orders", "order.placed",
             [{"field": "total", "op": "gt", "value": {"amount": "300", "currency": "USD"}},
              {"field": "country", "op": "eq", "value": "ID"},
              {"field": "payment_preference", "op": "in", "value": ["cod", "cash"]}],
             [{"type": "tag", "tag": "big"}, {"type": "note", "message": "over 300 USD"},
              {"type": "hold", "reason": "a person checks big COD orders"},
              {"type": "notify", "message": "big COD order held"}])
    cod = api.customer("Budi", payment_preference="cod")
    card = api.customer("Sari", payment_preference="card")
    big = api.order(cod["id"], [("TEE", 3)])  # 330.00
    small = api.order(cod["id"], [("TEE", 2)])  # 220.00
    by_card = api.order(card["id"], [("TEE", 3)])

    automate(api)
    put_cursor_back(api, 0)  # and once more from the start: nothing happens twice
    automate(api)

    assert api.ok(api.get(f"/orders/{big['id']}"))["status"] == "on_hold"
    assert [api.ok(api.get(f"/orders/{o['id']}"))["status"] for o in (small, by_card)] == [
        "open", "open"]
    by_rule = [(e["kind"], e["message"]) for e in
               api.ok(api.get(f"/orders/{big['id']}/timeline"))["items"]
               if e["actor"] == "rule Check big orders"]
    assert by_rule == [("order.tagged", "Tagged big"), ("order.note", "over 300 USD"),
                       ("fulfilment.withdrawn", "Fulfilment order(s) SO-000001-1 cancelled: "
                        "order put on hold: a person checks big COD orders"),
                       ("status.changed", "Put on hold: a person checks big COD orders")]
    (note,) = events_of(api, "automation.notified")
    assert note["data"]["rule_name"] == "Check big orders"
    assert note["data"]["subject_id"] == big["id"]
    assert note["data"]["message"] == "big COD order held"
    (run,) = api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]
    assert [a["type"] for a in run["results"]] == ["tag", "note", "hold", "notify"]


def test_a_released_order_rule_and_a_drafted_po_rule(api: Api) -> None:
    wh = shop(api)
    rule(api, "Release on payment", "payment.recorded", [],
         [{"type": "release", "note": "paid"}])
    rule(api, "Send small POs", "purchase_order.drafted",
         [{"field": "total", "op": "lt", "value": {"amount": "1000", "currency": "USD"}}],
         [{"type": "submit_purchase_order"}])
    order = api.order(api.customer()["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "wait for the money"}))
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": "110.00"}), 201)
    supplier = api.ok(api.post("/suppliers", {"name": "Mill", "currency": "USD"}), 201)
    small = api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": wh["id"],
        "lines": [{"sku": "TEE", "quantity": 10, "unit_cost": "40.00"}]}), 201)
    large = api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": wh["id"],
        "lines": [{"sku": "TEE", "quantity": 30, "unit_cost": "40.00"}]}), 201)

    automate(api)

    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "open"
    assert api.ok(api.get(f"/purchase-orders/{small['id']}"))["status"] == "ordered"
    assert api.ok(api.get(f"/purchase-orders/{large['id']}"))["status"] == "draft"
    (ordered,) = events_of(api, "purchase_order.ordered")
    assert ordered["data"]["ordered_by"] == "rule Send small POs"


def test_a_rule_acts_only_on_events_after_it_was_made(api: Api) -> None:
    shop(api)
    before = api.order(api.customer()["id"], [("TEE", 1)])
    ship(api, before)
    r = rule(api, "Invoice on shipment", "shipment.shipped", [], [{"type": "invoice"}])
    after = api.order(api.customer()["id"], [("TEE", 1)])
    ship(api, after)

    automate(api)

    assert api.ok(api.get(f"/orders/{before['id']}"))["amount_invoiced"] == "0.00"
    assert api.ok(api.get(f"/orders/{after['id']}"))["amount_invoiced"] == "110.00"
    assert len(api.ok(api.get(f"/automation/rules/{r['id']}/runs"))["items"]) == 1


def test_patch_replaces_conditions_checked_against_the_trigger(api: Api) -> None:
    r = rule(api, "Tag web", "order.placed",
             [{"field": "channel", "op": "eq", "value": "web"}], [{"type": "tag", "tag": "w"}])
    bad = api.client.patch(f"/api/v1/automation/rules/{r['id']}", headers=api.headers(),
                           json={"trigger": "purchase_order.drafted"})
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"conditions[0]", "actions[0]"}
    ok = api.ok(api.client.patch(f"/api/v1/automation/rules/{r['id']}", headers=api.headers(),
                                 json={"conditions": [{"field": "channel", "op": "in",
                                                       "value": ["pos", "phone"]}],
                                       "enabled": False}))
    assert (ok["conditions"], ok["enabled"]) == (
        [{"field": "channel", "op": "in", "value": ["pos", "phone"]}], False)
    assert api.ok(api.get(f"/automation/rules/{r['id']}"))["trigger"] == "order.placed"


def test_rules_are_settings_a_clerk_may_not_read_or_write(api: Api) -> None:
    assert api.get("/automation/rules", role="clerk").status_code == 403
    assert api.post("/automation/rules", {"name": "x", "trigger": "order.placed",
                                          "actions": [{"type": "invoice"}]},
                    role="clerk").status_code == 403
