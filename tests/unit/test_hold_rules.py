"""Hold rules (pure): which rules an order trips, and which parameters a rule accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pesanan.orders.holds_rules import (
    OrderFacts,
    Rule,
    check_parameters,
    evaluate,
    needs_customer_facts,
    velocity_windows,
)

D = Decimal


def facts(total: str = "50.00", currency: str = "USD", country: str | None = "ID",
          **extra: Any) -> OrderFacts:
    return OrderFacts(D(total), currency, country, **extra)


def test_no_rule_holds_nothing() -> None:
    assert evaluate([], facts()) == []


def test_total_above_the_limit_of_its_currency_is_held() -> None:
    rule = Rule("r1", "order_total_above", {"limits": {"USD": "100.00"}})
    assert evaluate([rule], facts("100.00")) == []
    [hit] = evaluate([rule], facts("100.01"))
    assert (hit.rule_id, hit.kind) == ("r1", "order_total_above")
    assert hit.reason == "order total 100.01 USD is above the limit 100.00 USD"
    # A currency without a limit is not held by this rule.
    assert evaluate([rule], facts("5000000", currency="IDR")) == []


def test_credit_limit_counts_the_unpaid_orders_and_this_one() -> None:
    rule = Rule("r2", "credit_limit", {})
    assert evaluate([rule], facts("40.00", credit_limit=D("100"), exposure=D("60.00"))) == []
    [hit] = evaluate([rule], facts("40.01", credit_limit=D("100"), exposure=D("60.00")))
    assert hit.reason == ("customer exposure 100.01 USD (unpaid orders plus this one) is over "
                          "the credit limit 100.00")
    assert evaluate([rule], facts("1000", credit_limit=None, exposure=D("0"))) == []
    # A limit in another currency says nothing about this order; one in its currency does.
    over = {"credit_limit": D("100"), "exposure": D("90.00")}
    assert evaluate([rule], facts("40.00", credit_currency="IDR", **over)) == []
    assert len(evaluate([rule], facts("40.00", credit_currency="USD", **over))) == 1


def test_a_country_not_in_the_list_is_held_and_no_address_is_not() -> None:
    rule = Rule("r3", "country_not_served", {"countries": ["ID", "SG"]})
    assert evaluate([rule], facts(country="SG")) == []
    assert [h.reason for h in evaluate([rule], facts(country="FR"))] == [
        "shipping country FR is not served"]
    assert evaluate([rule], facts(country=None)) == []


def test_velocity_holds_from_the_nth_order_in_the_window() -> None:
    rule = Rule("r4", "order_velocity", {"orders": 3, "minutes": 10})
    assert evaluate([rule], facts(recent_orders={10: 1})) == []
    [hit] = evaluate([rule], facts(recent_orders={10: 2}))
    assert hit.reason == "3 orders from this customer within 10 minutes (rule: hold at 3)"


def test_every_hit_is_reported_in_rule_order() -> None:
    rules = [Rule("a", "country_not_served", {"countries": ["ID"]}),
             Rule("b", "order_total_above", {"limits": {"USD": "1"}})]
    assert [h.rule_id for h in evaluate(rules, facts(country="FR"))] == ["a", "b"]


def test_only_credit_and_velocity_rules_need_the_customer_facts() -> None:
    assert not needs_customer_facts([Rule("a", "order_total_above", {"limits": {}}),
                                     Rule("b", "country_not_served", {"countries": []})])
    assert needs_customer_facts([Rule("c", "credit_limit", {})])
    assert velocity_windows([Rule("d", "order_velocity", {"orders": 2, "minutes": 30}),
                             Rule("e", "order_velocity", {"orders": 5, "minutes": 5}),
                             Rule("f", "order_velocity", {"orders": 9, "minutes": 30})]) == [5, 30]


@pytest.mark.parametrize(("kind", "parameters"), [
    ("order_total_above", {"limits": {"USD": "100.00", "IDR": "1500000"}}),
    ("credit_limit", {}),
    ("country_not_served", {"countries": ["ID"]}),
    ("order_velocity", {"orders": 5, "minutes": 60}),
])
def test_good_parameters_pass(kind: str, parameters: dict[str, Any]) -> None:
    assert check_parameters(kind, parameters) == []


@pytest.mark.parametrize(("kind", "parameters", "field"), [
    ("nope", {}, "kind"),
    ("credit_limit", {"limit": "1"}, "parameters.limit"),
    ("order_total_above", {}, "parameters.limits"),
    ("order_total_above", {"limits": {}}, "parameters.limits"),
    ("order_total_above", {"limits": {"USD": 100}}, "parameters.limits.USD"),
    ("order_total_above", {"limits": {"USD": "1.001"}}, "parameters.limits.USD"),
    ("order_total_above", {"limits": {"USD": "-1"}}, "parameters.limits.USD"),
    ("order_total_above", {"limits": {"usd": "1"}}, "parameters.limits.usd"),
    ("country_not_served", {"countries": []}, "parameters.countries"),
    ("country_not_served", {"countries": ["IDN"]}, "parameters.countries"),
    ("order_velocity", {"orders": 3}, "parameters.minutes"),
    ("order_velocity", {"orders": True, "minutes": 5}, "parameters.orders"),
    ("order_velocity", {"orders": 3, "minutes": 0}, "parameters.minutes"),
])
def test_bad_parameters_name_their_field(kind: str, parameters: dict[str, Any],
                                         field: str) -> None:
    assert field in [f for f, _ in check_parameters(kind, parameters)]
