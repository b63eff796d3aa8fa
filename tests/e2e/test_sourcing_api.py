"""Sourcing over HTTP: location and stock settings, the dry-run plan, and placement that
follows it (splits explained on the timeline)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dbs import row_counts, snapshot
from tests.factories import Api


def patch_location(api: Api, location_id: str, body: dict[str, Any]) -> Any:
    return api.client.patch(f"/api/v1/locations/{location_id}", headers=api.headers(),
                            json=body)


def located(api: Api, code: str, region: str, country: str = "ID",
            channels: list[str] | None = None) -> dict[str, Any]:
    return api.ok(api.post("/locations", {"code": code, "name": code, "region": region,
                                          "country": country, "channels": channels}), 201)


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    api.product("TEE")
    api.product("CAP")
    jkt, sby = located(api, "JKT", "JK"), located(api, "SBY", "JI")
    store = located(api, "STORE", "JK", channels=["pos"])
    for loc, tee, cap in ((jkt, 5, 5), (sby, 20, 1), (store, 50, 50)):
        api.stock("TEE", loc["id"], tee)
        api.stock("CAP", loc["id"], cap)
    return {"jkt": jkt, "sby": sby, "store": store, "customer": api.customer()}


def plan(api: Api, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return api.ok(api.post("/sourcing/plans", {
        "lines": [{"sku": s, "quantity": q} for s, q in lines], **extra}))


def test_a_location_carries_region_country_and_channels_and_they_can_be_patched(
        api: Api) -> None:
    loc = located(api, "JKT", "JK", channels=["web", "pos"])
    assert (loc["region"], loc["country"], loc["channels"]) == ("JK", "ID", ["pos", "web"])
    changed = api.ok(patch_location(api, loc["id"], {"region": "JB", "channels": None}))
    assert (changed["region"], changed["country"], changed["channels"]) == ("JB", "ID", None)
    assert api.ok(api.get(f"/locations/{loc['id']}")) == changed


def test_the_dry_run_picks_the_nearest_location_that_fills_everything_and_reserves_nothing(
        api: Api, shop: dict[str, Any]) -> None:
    before = snapshot(api.container.engine)
    result = plan(api, [("TEE", 2), ("CAP", 1)], ship_to={"country": "ID", "region": "JI"})
    assert snapshot(api.container.engine) == before
    assert (result["feasible"], result["shipments"], result["split"]) == (True, 1, False)
    assert [x["location_code"] for x in result["locations"]] == ["SBY"]
    assert result["reasons"] == [
        "One shipment: SBY can fill every line (same region as the ship-to)",
        "STORE not used: it does not serve the web channel"]
    assert [x["reason"] for x in result["lines"]] == ["TEE x 2: from SBY", "CAP x 1: from SBY"]


def test_the_dry_run_explains_a_split_and_a_shortage(api: Api, shop: dict[str, Any]) -> None:
    result = plan(api, [("TEE", 30), ("CAP", 9)])
    assert result["feasible"] is False
    tee, cap = result["lines"]
    assert [(p["location_code"], p["quantity"]) for p in tee["picks"]] == [("SBY", 20),
                                                                         ("JKT", 5)]
    assert tee["short"] == 5
    assert cap["short"] == 3
    assert "SKU TEE: 30 requested, 25 available" in result["reasons"]


def test_safety_stock_keeps_units_out_of_plans_and_orders(api: Api,
                                                         shop: dict[str, Any]) -> None:
    level = api.ok(api.post("/inventory/settings", {
        "sku": "TEE", "location_id": shop["sby"]["id"], "safety_stock": 18}))
    assert (level["available"], level["safety_stock"], level["sourceable"]) == (20, 18, 2)
    result = plan(api, [("TEE", 4)], ship_to={"country": "ID", "region": "JI"})
    assert [x["location_code"] for x in result["locations"]] == ["JKT"]
    resp = api.post("/orders", api.order_body(shop["customer"]["id"], [("TEE", 8)]))
    assert resp.status_code == 409  # 5 at JKT + 2 above SBY's safety stock


def test_a_split_order_writes_its_reasons_on_the_timeline(api: Api,
                                                          shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 22), ("CAP", 4)],
                      shipping_address={"name": "A", "line1": "1 Jl", "city": "Surabaya",
                                        "region": "JI", "country": "ID"})
    # CAP x 4 only fits at JKT, so JKT is in the plan and the split TEE line draws on it first.
    assert api.level("TEE", shop["jkt"]["id"])["reserved"] == 5
    assert api.level("TEE", shop["sby"]["id"])["reserved"] == 17
    assert api.level("CAP", shop["jkt"]["id"])["reserved"] == 4
    assert api.level("TEE", shop["store"]["id"])["reserved"] == 0
    notes = [e["message"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
             if e["kind"] == "order.sourced"]
    assert len(notes) == 1
    assert "2 shipments (JKT, SBY): no single eligible location can fill every line" \
        in notes[0]
    assert "TEE x 22: split (5 from JKT, 17 from SBY)" in notes[0]


def test_an_ordinary_order_gets_no_sourcing_note(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    kinds = [e["kind"] for e in api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    assert "order.sourced" not in kinds


def test_a_pos_sale_takes_from_its_store(api: Api, shop: dict[str, Any]) -> None:
    api.order(shop["customer"]["id"], [("TEE", 3)], channel="pos", keyed_by="Sari",
              keyed_at_location_id=shop["store"]["id"])
    assert api.level("TEE", shop["store"]["id"])["reserved"] == 3


# --- bad input: problem+json, nothing changed ----------------------------------------------

def _refused(api: Api, resp_fn: Any, status: int, problem: str, field: str) -> None:
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = resp_fn()
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert (doc["type"], doc["status"]) == (f"/problems/{problem}", status)
    assert field in [e["field"] for e in doc["errors"]], doc
    assert row_counts(api.container.engine) == before


def test_settings_for_an_unknown_location_are_refused(api: Api, shop: dict[str, Any]) -> None:
    before = snapshot(api.container.engine)
    _refused(api, lambda: api.post("/inventory/settings", {
        "sku": "TEE", "location_id": "nowhere", "safety_stock": 3}),
        422, "validation-error", "location_id")
    assert snapshot(api.container.engine) == before


def test_a_negative_safety_stock_is_refused(api: Api, shop: dict[str, Any]) -> None:
    before = snapshot(api.container.engine)
    _refused(api, lambda: api.post("/inventory/settings", {
        "sku": "TEE", "location_id": shop["jkt"]["id"], "safety_stock": -1}),
        422, "validation-error", "safety_stock")
    assert snapshot(api.container.engine) == before


def test_patching_an_unknown_location_is_not_found(api: Api) -> None:
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = patch_location(api, "nowhere", {"region": "JK"})
    assert resp.status_code == 404
    assert resp.json()["type"] == "/problems/not-found"
    assert row_counts(api.container.engine) == before


@pytest.mark.parametrize("body", [{"country": "Indonesia"}, {"channels": ["fax"]},
                                  {"channels": []}])
def test_bad_location_settings_are_refused(api: Api, body: dict[str, Any]) -> None:
    loc = located(api, "JKT", "JK")
    field = next(iter(body))
    _refused(api, lambda: patch_location(api, loc["id"], body), 422, "validation-error",
             field if field != "channels" or body[field] == [] else "channels[0]")
    assert api.ok(api.get(f"/locations/{loc['id']}")) == loc


def test_a_plan_with_an_unknown_sku_is_refused(api: Api, shop: dict[str, Any]) -> None:
    _refused(api, lambda: api.post("/sourcing/plans", {
        "lines": [{"sku": "TEE", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]}),
        422, "validation-error", "lines[1].sku")


def test_the_dry_run_needs_inventory_read(api: Api) -> None:
    resp = api.client.post("/api/v1/sourcing/plans", json={"lines": []})
    assert resp.status_code == 401


def test_the_reservation_guard_refuses_a_stale_plan_that_would_dip_into_safety_stock(
        api: Api, shop: dict[str, Any]) -> None:
    from pesanan.core.errors import Retry
    from pesanan.inventory import service as inventory

    api.ok(api.post("/inventory/settings", {
        "sku": "TEE", "location_id": shop["jkt"]["id"], "safety_stock": 4}))
    order = api.order(shop["customer"]["id"], [("CAP", 1)])
    tee = api.ok(api.get("/products", sku="TEE"))["items"][0]
    # A plan read before the safety stock was set would take 3 of JKT's 5; the guard says no.
    with api.container.engine.connect() as conn, pytest.raises(Retry):
        inventory.reserve(conn, order["id"], [(tee["id"], shop["jkt"]["id"], 3,
                                               order["lines"][0]["id"])])
    assert api.level("TEE", shop["jkt"]["id"])["reserved"] == 0
