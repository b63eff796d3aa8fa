"""`pesanan automation`: add a rule in words, list it, act on the events now, see its runs,
disable it; a bad condition exits 2 naming it, with nothing created."""

from __future__ import annotations

from pesanan.bootstrap import Container
from tests.automation.helpers import shop
from tests.dbs import row_counts
from tests.e2e.conftest import Cli
from tests.factories import Api


def test_a_rule_added_from_the_command_line_acts_and_shows_its_runs(cli: Cli, api: Api
                                                                   ) -> None:
    added = cli("automation", "add", "Tag big web orders", "--when", "order.placed",
                "--if", "channel eq web", "--if", "total gte 200 USD",
                "--then", "tag: big", "--then", "note: checked by the rule")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == (
        "added Tag big web orders: when order.placed and channel eq web and total gte 200 USD "
        "then tag: big, note: checked by the rule")
    shop(api)
    buyer = api.customer()
    big = api.order(buyer["id"], [("TEE", 2)], channel="web")
    api.order(buyer["id"], [("TEE", 1)], channel="web")

    ran = cli("automation", "run")

    assert ran.exit_code == 0, ran.output
    timeline = api.ok(api.get(f"/orders/{big['id']}/timeline"))["items"]
    assert [(e["kind"], e["message"], e["actor"]) for e in timeline[-2:]] == [
        ("order.tagged", "Tagged big", "rule Tag big web orders"),
        ("order.note", "checked by the rule", "rule Tag big web orders")]
    runs = cli("automation", "runs", "Tag big web orders")
    assert runs.exit_code == 0, runs.output
    assert runs.output.count("done") == 1
    off = cli("automation", "disable", "Tag big web orders")
    assert off.exit_code == 0 and "(disabled)" in off.output
    assert "(disabled)" in cli("automation", "list").output


def test_a_bad_condition_exits_2_naming_it_and_creates_nothing(cli: Cli,
                                                               container: Container) -> None:
    before = row_counts(container.engine)
    result = cli("automation", "add", "Odd", "--when", "shipment.shipped",
                 "--if", "channel eq web", "--if", "colour eq red", "--then", "invoice")
    assert result.exit_code == 2
    assert "conditions[1]: field 'colour' is not one of" in result.output
    assert row_counts(container.engine) == before


def test_an_action_that_does_not_fit_the_trigger_is_refused(cli: Cli) -> None:
    result = cli("automation", "add", "Odd", "--when", "shipment.shipped",
                 "--then", "submit_purchase_order")
    assert result.exit_code == 2
    assert "actions[0]: submit_purchase_order acts on a purchase_order" in result.output
