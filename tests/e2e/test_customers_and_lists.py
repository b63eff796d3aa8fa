"""Customer profiles with derived history; list filters and cursor paging."""

from __future__ import annotations

from tests.factories import Api


def test_customer_history_volume_and_value_are_derived_from_orders(api: Api) -> None:
    api.product("TEE", price="10.00", tax_rate="0")
    wh = api.location()
    api.stock("TEE", wh["id"], 50)
    cust = api.customer("Budi", payment_preference="bank_transfer")
    fresh = api.ok(api.get(f"/customers/{cust['id']}"))
    assert (fresh["order_count"], fresh["lifetime_value"], fresh["last_order_at"]) == (0, {}, None)
    first = api.order(cust["id"], [("TEE", 2)])
    second = api.order(cust["id"], [("TEE", 3)], channel="pos", keyed_by="clerk-1",
                       keyed_at_location_id=wh["id"])
    cancelled = api.order(cust["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{cancelled['id']}/cancel", {"reason": "duplicate"}))
    profile = api.ok(api.get(f"/customers/{cust['id']}"))
    assert profile["payment_preference"] == "bank_transfer"
    assert profile["order_count"] == 2
    assert profile["lifetime_value"] == {"USD": "50.00"}
    assert profile["last_order_at"] == second["placed_at"]
    assert [o["number"] for o in profile["order_history"]] == [
        cancelled["number"], second["number"], first["number"]]
    assert second["keyed_by"] == "clerk-1"


def test_orders_page_by_cursor_and_filter_by_channel(api: Api) -> None:
    api.product("TEE", price="10.00")
    wh = api.location()
    api.stock("TEE", wh["id"], 100)
    cust = api.customer()
    placed = [api.order(cust["id"], [("TEE", 1)])["id"] for _ in range(5)]
    pos = api.order(cust["id"], [("TEE", 1)], channel="pos", keyed_by="c",
                    keyed_at_location_id=wh["id"])
    page1 = api.ok(api.get("/orders", limit=4))
    page2 = api.ok(api.get("/orders", limit=4, cursor=page1["next_cursor"]))
    assert [o["id"] for o in page1["items"]] == [pos["id"], *reversed(placed[2:])]
    assert [o["id"] for o in page2["items"]] == list(reversed(placed[:2]))
    assert page2["next_cursor"] is None
    only_pos = api.ok(api.get("/orders", channel="pos"))
    assert [o["id"] for o in only_pos["items"]] == [pos["id"]]
    too_many = api.get("/orders", limit=251)
    assert too_many.status_code == 422
