"""Reorder rules (pure): when to buy, how many, from which offer; no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as s

from pesanan.core.errors import InvalidTransition
from pesanan.purchasing.reorder import Offer, Position, choose_offer, needed_quantity, plan
from pesanan.purchasing.status import POStatus, after_receipt, check


def offer(oid: str, price: str, lead: int = 5, moq: int = 1, supplier: str | None = None
          ) -> Offer:
    return Offer(oid, supplier or f"sup-{oid}", Decimal(price), lead, moq)


def position(product: str = "p1", location: str = "l1", available: int = 0, incoming: int = 0,
             point: int = 10, qty: int = 20) -> Position:
    return Position(product, location, available, incoming, point, qty)


# --- how many ----------------------------------------------------------------------------------

def test_at_or_above_the_reorder_point_nothing_is_needed() -> None:
    assert needed_quantity(available=10, incoming=0, reorder_point=10, reorder_qty=20) == 0
    assert needed_quantity(available=4, incoming=6, reorder_point=10, reorder_qty=20) == 0


def test_below_the_reorder_point_the_reorder_quantity_is_needed() -> None:
    assert needed_quantity(available=9, incoming=0, reorder_point=10, reorder_qty=20) == 20


def test_a_shortfall_deeper_than_the_reorder_quantity_is_made_up_in_full() -> None:
    assert needed_quantity(available=2, incoming=1, reorder_point=50, reorder_qty=20) == 47


def test_a_zero_reorder_point_never_triggers() -> None:
    assert needed_quantity(available=0, incoming=0, reorder_point=0, reorder_qty=5) == 0


# --- from whom ---------------------------------------------------------------------------------

def test_the_cheapest_offer_whose_moq_is_met_wins_over_a_cheaper_one_whose_moq_is_not() -> None:
    offers = [offer("a", "5.00", moq=50), offer("b", "6.00", moq=10), offer("c", "6.50")]
    assert choose_offer(20, offers) == (offers[1], 20)


def test_equal_prices_go_to_the_shorter_lead_time() -> None:
    offers = [offer("slow", "6.00", lead=7), offer("fast", "6.00", lead=3)]
    assert choose_offer(20, offers) == (offers[1], 20)


def test_when_no_moq_is_met_the_cheapest_offer_is_bought_at_its_moq() -> None:
    offers = [offer("a", "5.50", moq=30), offer("b", "5.00", moq=100)]
    assert choose_offer(20, offers) == (offers[1], 100)


def test_nobody_offering_the_sku_gives_no_choice() -> None:
    assert choose_offer(20, []) is None


def test_choosing_for_nothing_is_a_bug() -> None:
    with pytest.raises(ValueError):
        choose_offer(0, [offer("a", "1.00")])


# --- the plan ----------------------------------------------------------------------------------

def test_lines_are_grouped_into_one_draft_per_supplier_and_location() -> None:
    acme = [offer("a1", "2.00", lead=3, supplier="acme")]
    acme_b = [offer("a2", "3.00", lead=9, supplier="acme")]
    positions = [position("p1", "wh1"), position("p2", "wh1"), position("p1", "wh2"),
                 position("p3", "wh1", available=50)]
    result = plan(positions, {"p1": acme, "p2": acme_b, "p3": acme})
    assert [(d.supplier_id, d.location_id, [(x.product_id, x.quantity) for x in d.lines])
            for d in result.drafts] == [
        ("acme", "wh1", [("p1", 20), ("p2", 20)]),
        ("acme", "wh2", [("p1", 20)]),
    ]
    assert result.drafts[0].lead_time_days == 9
    assert result.unsourced == ()


def test_a_sku_nobody_offers_is_reported_as_unsourced() -> None:
    short = position("p9")
    assert plan([short], {}).unsourced == (short,)


# --- properties --------------------------------------------------------------------------------

quantities = s.integers(min_value=0, max_value=10_000)
offers_st = s.lists(
    s.builds(Offer, id=s.uuids().map(str), supplier_id=s.sampled_from(["s1", "s2", "s3"]),
             price=s.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2),
             lead_time_days=s.integers(0, 60), min_order_qty=s.integers(1, 500)),
    max_size=6,
)


@given(quantities, quantities, quantities, s.integers(min_value=1, max_value=10_000))
def test_the_needed_quantity_is_the_smallest_that_restores_the_reorder_point(
        available: int, incoming: int, point: int, qty: int) -> None:
    need = needed_quantity(available, incoming, point, qty)
    position_ = available + incoming
    if position_ >= point:
        assert need == 0
    else:
        assert need >= qty
        assert position_ + need >= point
        assert need == qty or position_ + need == point


@given(s.integers(min_value=1, max_value=1000), offers_st)
def test_the_chosen_offer_is_never_beaten(quantity: int, offers: list[Offer]) -> None:
    chosen = choose_offer(quantity, offers)
    if not offers:
        assert chosen is None
        return
    assert chosen is not None
    best, ordered = chosen
    assert ordered >= quantity and ordered >= best.min_order_qty
    meeting = [o for o in offers if o.min_order_qty <= quantity]
    pool = meeting or offers
    assert best in pool
    assert not any((o.price, o.lead_time_days) < (best.price, best.lead_time_days) for o in pool)
    assert ordered == (quantity if meeting else best.min_order_qty)


@given(s.lists(s.tuples(s.sampled_from(["p1", "p2", "p3"]), s.sampled_from(["l1", "l2"]),
                        quantities, quantities, s.integers(0, 500), s.integers(1, 500)),
               max_size=6, unique_by=lambda t: (t[0], t[1])),
       s.dictionaries(s.sampled_from(["p1", "p2", "p3"]), offers_st))
def test_planning_again_after_ordering_the_plan_orders_nothing(rows: list[tuple], offers: dict
                                                                 ) -> None:
    positions = [Position(*r) for r in rows]
    first = plan(positions, offers)
    ordered: dict[tuple[str, str], int] = {}
    for d in first.drafts:
        assert len({x.product_id for x in d.lines}) == len(d.lines)
        for x in d.lines:
            assert x.offer.supplier_id == d.supplier_id
            ordered[(x.product_id, d.location_id)] = x.quantity
    after = [Position(p.product_id, p.location_id, p.available,
                      p.incoming + ordered.get((p.product_id, p.location_id), 0),
                      p.reorder_point, p.reorder_qty) for p in positions]
    again = plan(after, offers)
    assert again.drafts == ()
    assert again.unsourced == first.unsourced


# --- purchase order statuses -------------------------------------------------------------------

def test_receipts_move_a_purchase_order_to_partially_received_then_received() -> None:
    assert after_receipt(5) is POStatus.PARTIALLY_RECEIVED
    assert after_receipt(0) is POStatus.RECEIVED
    with pytest.raises(ValueError):
        after_receipt(-1)


@pytest.mark.parametrize(("current", "target"), [
    ("received", "partially_received"), ("cancelled", "received"),
    ("partially_received", "cancelled"), ("ordered", "draft"),
])
def test_illegal_purchase_order_transitions_are_refused(current: str, target: str) -> None:
    with pytest.raises(InvalidTransition):
        check(current, target)
