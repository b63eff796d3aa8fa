"""Shipment planning (pure): what a request ships, and from which locations."""

from __future__ import annotations

import pytest

from pesanan.core.errors import Conflict, InvalidTransition, ValidationFailed
from pesanan.fulfillment.planning import (
    Held,
    OrderLine,
    Pick,
    Wanted,
    picks_by_location,
    units_to_ship,
)

LINES = [OrderLine("l1", "TEE", 3, 1), OrderLine("l2", "MUG", 2, 0),
         OrderLine("l3", "TEE", 4, 0)]


def test_no_lines_means_everything_not_yet_shipped() -> None:
    assert units_to_ship(LINES, None) == {"l1": 2, "l2": 2, "l3": 4}


def test_nothing_left_to_ship_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        units_to_ship([OrderLine("l1", "TEE", 3, 3)], None)


def test_a_sku_on_two_lines_fills_the_first_line_first() -> None:
    assert units_to_ship(LINES, [Wanted(None, "TEE", 3)]) == {"l1": 2, "l3": 1}


def test_a_line_named_twice_adds_up_and_is_checked_against_what_is_left() -> None:
    assert units_to_ship(LINES, [Wanted("l2", None, 1), Wanted("l2", None, 1)]) == {"l2": 2}
    with pytest.raises(ValidationFailed) as err:
        units_to_ship(LINES, [Wanted("l2", None, 2), Wanted(None, "MUG", 1)])
    assert [(e.field, e.code, e.message) for e in err.value.errors] == [
        ("lines[1].quantity", "exceeds_unshipped", "1 requested, 0 left to ship")]


def test_every_bad_request_line_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as err:
        units_to_ship(LINES, [Wanted(None, "HAT", 1), Wanted("l9", None, 1),
                              Wanted(None, "TEE", 7)])
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("lines[0].sku", "not_on_order"), ("lines[1].order_line_id", "not_on_order"),
        ("lines[2].quantity", "exceeds_unshipped")]


def test_units_come_from_the_location_already_shipping_then_the_one_holding_most() -> None:
    held = [Held("l1", "B", 1), Held("l1", "A", 3), Held("l2", "B", 2), Held("l2", "A", 1)]
    # l1 takes 2 from A (holds most); l2 then prefers A (already in the plan) over B.
    assert picks_by_location({"l1": 2, "l2": 2}, held) == [
        Pick("A", "l1", 2), Pick("A", "l2", 1), Pick("B", "l2", 1)]


def test_fewer_units_reserved_than_asked_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        picks_by_location({"l1": 3}, [Held("l1", "A", 2)])
