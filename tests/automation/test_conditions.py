"""The pure condition rules (automation/conditions.py): what is refused, and what holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pesanan.automation import conditions as cond
from pesanan.automation.conditions import Facts


def _facts(**over: Any) -> Facts:
    base: dict[str, Any] = {
        "total": Decimal("1500000.00"), "currency": "IDR", "channel": "web", "country": "ID",
        "customer_id": "cust-1", "customer_email": "sari@example.com",
        "payment_preference": "cod", "tags": frozenset({"vip"})}
    return Facts(**{**base, **over})


def _holds(*raw: dict[str, Any], facts: Facts | None = None) -> bool:
    parsed, problems = cond.parse(list(raw), "order")
    assert problems == []
    return cond.holds(parsed, facts or _facts())


def c(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def test_total_compares_as_a_decimal_in_the_orders_currency_only() -> None:
    million = {"amount": "1000000", "currency": "IDR"}
    assert _holds(c("total", "gt", million))
    assert not _holds(c("total", "lte", million))
    assert _holds(c("total", "eq", {"amount": "1500000.0000", "currency": "IDR"}))
    # The same number in another currency never matches: amounts are never converted.
    assert not _holds(c("total", "gt", {"amount": "1", "currency": "USD"}))
    assert not _holds(c("total", "lt", {"amount": "99999999", "currency": "USD"}))


def test_conditions_are_anded() -> None:
    assert _holds(c("channel", "eq", "web"), c("country", "in", ["ID", "SG"]))
    assert not _holds(c("channel", "eq", "web"), c("country", "not_in", ["id"]))


def test_customer_matches_its_id_or_its_email_in_any_case() -> None:
    assert _holds(c("customer", "eq", "cust-1"))
    assert _holds(c("customer", "eq", "Sari@Example.com"))
    assert not _holds(c("customer", "ne", "sari@example.com"))
    assert _holds(c("customer", "not_in", ["budi@example.com", "cust-2"]))


def test_tags_contains_and_a_missing_fact_meets_nothing() -> None:
    assert _holds(c("tags", "contains", "VIP"))
    assert not _holds(c("tags", "contains", "fraud-check"))
    assert _holds(c("tags", "not_in", ["fraud-check"]))
    no_country = _facts(country=None)
    assert not _holds(c("country", "eq", "ID"), facts=no_country)
    assert not _holds(c("country", "ne", "ID"), facts=no_country)


def test_payment_preference_and_channel_take_only_known_values() -> None:
    assert _holds(c("payment_preference", "in", ["cod", "cash"]))
    _, problems = cond.parse([c("channel", "eq", "email"), c("payment_preference", "eq", "gold")],
                             "order")
    assert [p for p, _ in problems] == ["conditions[0]", "conditions[1]"]
    assert "web, pos, phone" in problems[0][1]


@pytest.mark.parametrize(("raw", "says"), [
    (c("colour", "eq", "red"), "field 'colour' is not one of"),
    (c("channel", "gt", "web"), "op 'gt' does not apply to channel"),
    (c("total", "contains", {"amount": "1", "currency": "IDR"}), "op 'contains' does not apply"),
    (c("total", "gt", "1000000"), '{"amount": "1000000.00", "currency": "IDR"}'),
    (c("total", "gt", {"amount": "1e", "currency": "IDR"}), "amount must be a decimal string"),
    (c("total", "gt", {"amount": "NaN", "currency": "IDR"}), "amount must be a decimal string"),
    (c("total", "gt", {"amount": "5", "currency": "idr"}), "ISO 4217"),
    (c("country", "eq", "Indonesia"), "two-letter"),
    (c("country", "in", []), "list of 1 to 50"),
    (c("tags", "eq", "vip"), "op 'eq' does not apply to tags"),
    ({"field": "channel", "op": "eq"}, "nothing else"),
    ({"field": "channel", "op": "eq", "value": "web", "extra": 1}, "nothing else"),
    ("channel eq web", "nothing else"),
])
def test_a_bad_condition_is_named_with_what_is_wrong(raw: Any, says: str) -> None:
    parsed, problems = cond.parse([c("channel", "eq", "web"), raw], "order")
    assert len(parsed) == 1
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "conditions[1]"
    assert says in message


def test_a_purchase_order_rule_may_look_only_at_its_total() -> None:
    _, problems = cond.parse([c("channel", "eq", "web")], "purchase_order")
    assert problems == [("conditions[0]", "field 'channel' is not one of total")]
    parsed, _ = cond.parse([c("total", "lt", {"amount": "500", "currency": "USD"})],
                           "purchase_order")
    assert cond.holds(parsed, Facts(total=Decimal("499.99"), currency="USD"))


def test_stored_form_round_trips() -> None:
    raw = [c("total", "gte", {"amount": "10.50", "currency": "USD"}),
           c("country", "in", ["id", "sg"]), c("customer", "eq", "A@B.CO")]
    parsed, _ = cond.parse(raw, "order")
    stored = [cond.dump(x) for x in parsed]
    assert stored == [c("total", "gte", {"amount": "10.50", "currency": "USD"}),
                      c("country", "in", ["ID", "SG"]), c("customer", "eq", "a@b.co")]
    assert cond.parse(stored, "order")[0] == parsed


def test_every_trigger_is_an_event_type_of_the_catalogue() -> None:
    from pesanan.events.catalogue import EVENT_TYPES

    assert set(cond.TRIGGERS) - set(EVENT_TYPES) == set()
