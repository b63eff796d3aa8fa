"""Console: the Automation page — add a rule from the form (one condition and action a line),
a bad condition named beside the form with nothing created, disable, and a rule's runs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.automation.helpers import automate, ship, shop
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login


def test_an_admin_adds_a_rule_from_the_form_and_sees_its_runs(
        client: TestClient, container: Container, api: Api) -> None:
    csrf = login(client, container, "admin")
    assert '<a href="/automation"' in client.get("/automation").text

    resp = client.post("/automation", data={
        "name": "Invoice web orders", "trigger": "shipment.shipped",
        "conditions": "channel eq web\n\ntotal gte 100 USD\n", "actions": "invoice\ntag: auto",
        "csrf_token": csrf}, follow_redirects=False)

    assert resp.status_code == 303, resp.text
    (made,) = api.ok(api.get("/automation/rules"))["items"]
    assert resp.headers["location"] == f"/automation/{made['id']}"
    assert made["conditions"] == [
        {"field": "channel", "op": "eq", "value": "web"},
        {"field": "total", "op": "gte", "value": {"amount": "100", "currency": "USD"}}]
    assert made["actions"] == [{"type": "invoice"}, {"type": "tag", "tag": "auto"}]
    listed = client.get("/automation").text
    assert ("when shipment.shipped and channel eq web and total gte 100 USD then invoice, "
            "tag: auto") in listed

    shop(api)
    order = api.order(api.customer()["id"], [("TEE", 1)], channel="web")
    ship(api, order)
    automate(api)
    runs = client.get(f"/automation/{made['id']}").text
    assert "s-done" in runs and "INV-" in runs and f'href="/orders/{order["id"]}"' in runs


def test_a_bad_condition_is_shown_beside_the_form_and_nothing_is_created(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = row_counts(container.engine)

    resp = client.post("/automation", data={
        "name": "Big orders", "trigger": "order.placed",
        "conditions": "total gt 1000000", "actions": "hold: big", "csrf_token": csrf})

    assert resp.status_code == 422
    assert "conditions[0]: currency must be an ISO 4217 code" in resp.text
    assert row_counts(container.engine) == before


def test_disable_stops_showing_the_rule_as_enabled(
        client: TestClient, container: Container, api: Api) -> None:
    csrf = login(client, container, "admin")
    made = api.ok(api.post("/automation/rules", {
        "name": "Note", "trigger": "order.placed", "actions": [
            {"type": "note", "message": "hello"}]}), 201)

    resp = client.post(f"/automation/{made['id']}/disable", data={"csrf_token": csrf},
                       follow_redirects=False)

    assert resp.status_code == 303
    assert api.ok(api.get(f"/automation/rules/{made['id']}"))["enabled"] is False
    assert "Enable</button>" in client.get("/automation").text


def test_a_role_without_settings_sees_no_automation_page(
        client: TestClient, container: Container) -> None:
    login(client, container, "warehouse")
    assert client.get("/automation").status_code == 403
    assert '<a href="/automation"' not in client.get("/fulfilment").text
