"""GET /events shows each role only the events its permissions let it read, and paging by
sequence still moves past the events it filtered out (so a consumer never loops)."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.auth.roles import readable_event_prefixes
from pesanan.events import queries, relay
from tests.factories import Api

SHOP = ["product.created", "location.created", "stock.adjusted", "customer.created",
        "order.placed", "invoice.issued", "payment.recorded", "hold_rule.created"]
# What each role may read of SHOP (the role table in auth/roles.py, spelled out).
VISIBLE = {
    "admin": SHOP,
    "clerk": SHOP[:7],
    "accountant": SHOP[:7],
    "warehouse": ["product.created", "location.created", "stock.adjusted", "order.placed"],
}


def _shop(api: Api) -> list[dict[str, Any]]:
    """One event of each kind in SHOP, in that order; returns the admin's full feed."""
    api.product("TEE", price="100.00")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    cust = api.customer("Ada")
    order = api.order(cust["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments",
                    {"amount": "110.00", "method": "card"}), 201)
    api.ok(api.post("/hold-rules", {"kind": "order_total_above",
                                    "parameters": {"limits": {"USD": "5000.00"}}}),
           201)
    relay.stamp_pending(api.container.engine)  # the worker's relay: the feed shows stamped events
    feed: list[dict[str, Any]] = api.ok(api.get("/events"))["items"]
    assert [e["type"] for e in feed] == SHOP
    return feed


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_reads_only_the_event_types_its_permissions_cover(api: Api, role: str) -> None:
    _shop(api)
    page = api.ok(api.get("/events", role=role))
    assert [e["type"] for e in page["items"]] == VISIBLE[role]


def test_the_warehouse_reads_no_amounts_of_invoices_payments_or_hold_rules(api: Api) -> None:
    feed = _shop(api)
    page = api.ok(api.get("/events", role="warehouse", after=feed[4]["sequence"]))
    # Nothing it may read is left, yet the cursor moves to the newest event it skipped.
    assert page == {"items": [], "next_after": feed[-1]["sequence"]}


def test_a_warehouse_consumer_paging_one_at_a_time_ends_past_the_last_event(api: Api) -> None:
    feed = _shop(api)
    after, seen, calls = 0, [], 0
    while calls < 20:
        calls += 1
        page = api.ok(api.get("/events", role="warehouse", after=after, limit=1))
        seen += [e["type"] for e in page["items"]]
        assert page["next_after"] >= after
        if page["next_after"] == after:
            break
        after = page["next_after"]
    assert seen == VISIBLE["warehouse"]
    assert after == feed[-1]["sequence"]
    assert calls == 6  # four events, one empty page that skips the last four, one that stays


def test_a_full_page_ends_at_its_last_event_not_past_unread_ones(api: Api) -> None:
    feed = _shop(api)
    page = api.ok(api.get("/events", role="accountant", limit=2,
                          after=feed[3]["sequence"]))
    assert [e["type"] for e in page["items"]] == ["order.placed", "invoice.issued"]
    assert page["next_after"] == feed[5]["sequence"]


def test_the_order_timeline_shows_invoices_and_payments_only_to_roles_that_read_billing(
        api: Api) -> None:
    _shop(api)
    (order,) = api.ok(api.get("/orders"))["items"]
    kinds = {role: [e["kind"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline",
                                                       role=role))["items"]]
             for role in ("warehouse", "accountant")}
    assert "invoice.issued" in kinds["accountant"] and "payment.recorded" in kinds["accountant"]
    assert kinds["warehouse"] == [k for k in kinds["accountant"]
                                  if k not in ("invoice.issued", "payment.recorded")]
    assert kinds["warehouse"][0] == "order.placed"


def test_a_page_scans_a_bounded_window_and_goes_on_from_its_end(api: Api) -> None:
    feed_ = _shop(api)
    seq = [e["sequence"] for e in feed_]
    with api.container.read_engine.connect() as conn:
        # The warehouse may read none of the last four (invoice ... hold rule): a window of two
        # shows nothing and moves two on, the next two, then the cursor rests on the newest.
        first = queries.feed(conn, seq[4], 100, readable_event_prefixes("warehouse"), window=2)
        second = queries.feed(conn, first["next_after"], 100,
                              readable_event_prefixes("warehouse"), window=2)
        admin = queries.feed(conn, 0, 100, readable_event_prefixes("admin"), window=3)
    assert first == {"items": [], "next_after": seq[4] + 2}
    assert second == {"items": [], "next_after": seq[-1]}
    assert [e["type"] for e in admin["items"]] == SHOP[:3]
    assert admin["next_after"] == 3
