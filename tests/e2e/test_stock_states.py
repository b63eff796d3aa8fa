"""Stock states over HTTP: levels (incoming, quarantined, in transit), quarantine, transfers,
cycle counts, opening balances and the CSV import — with every refusal changing nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pesanan.audit import checks
from pesanan.inventory import service as inventory
from pesanan.inventory import states
from tests.dbs import snapshot
from tests.factories import Api


def _shop(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """TEE (standard cost 6.00): 10 on hand at WH-A, 3 of them reserved by an order; WH-B empty."""
    api.product("TEE")
    a, b = api.location("WH-A"), api.location("WH-B")
    api.stock("TEE", a["id"], 10)
    api.order(api.customer()["id"], [("TEE", 3)])
    return a, b


def _state(api: Api, sku: str, location_id: str) -> tuple[int, ...]:
    lv = api.level(sku, location_id)
    return (lv["on_hand"], lv["reserved"], lv["available"], lv["incoming"], lv["quarantined"],
            lv["in_transit"])


def _balances(api: Api) -> dict[str, str]:
    tb = api.ok(api.get("/ledger/trial-balance"))
    return {a["code"]: a["balance"] for c in tb["currencies"] for a in c["accounts"]}


def _audit_clean(api: Api) -> None:
    with checks.snapshot(api.container.engine) as conn:
        bad = [(r.check.name, r.breaches) for r in checks.run_all(conn) if not r.ok]
    assert bad == []


def _frozen(api: Api) -> dict[str, Any]:
    """Every row that a refused command could have touched (auth bookkeeping left out)."""
    snap = snapshot(api.container.engine)
    return {k: v for k, v in snap.items() if k not in ("api_key", "idempotency_key")}


def _refused(api: Api, path: str, body: Any, status: int, problem: str,
             field: str | None = None) -> dict[str, Any]:
    api.key("admin")
    before = _frozen(api)
    resp = api.post(path, body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = resp.json()
    assert doc["type"] == f"/problems/{problem}"
    assert doc["status"] == status
    if field is not None:
        assert field in [e["field"] for e in doc["errors"]], doc
    assert _frozen(api) == before
    return doc


# --- levels ---------------------------------------------------------------------------------

def test_levels_show_incoming_from_open_purchase_orders(api: Api) -> None:
    a, _ = _shop(api)
    sup = api.ok(api.post("/suppliers", {"name": "Acme", "currency": "USD"}), 201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": sup["id"], "location_id": a["id"],
        "lines": [{"sku": "TEE", "quantity": 8, "unit_cost": "5.00"}]}), 201)
    assert _state(api, "TEE", a["id"]) == (10, 3, 7, 8, 0, 0)
    api.ok(api.post(f"/purchase-orders/{po['id']}/receipts",
                    {"lines": [{"sku": "TEE", "quantity": 5}]}))
    assert _state(api, "TEE", a["id"]) == (15, 3, 12, 3, 0, 0)


# --- quarantine -----------------------------------------------------------------------------

def test_damaged_units_go_to_quarantine_back_to_the_shelf_and_to_scrap(api: Api) -> None:
    a, _ = _shop(api)
    body = {"sku": "TEE", "location_id": a["id"], "quantity": 4, "reason": "torn"}
    level = api.ok(api.post("/inventory/quarantine", body))
    assert (level["on_hand"], level["available"], level["quarantined"]) == (6, 3, 4)
    api.ok(api.post("/inventory/quarantine/release", {**body, "quantity": 1,
                                                      "reason": "fine after all"}))
    assert _state(api, "TEE", a["id"]) == (7, 3, 4, 0, 3, 0)
    before = _balances(api)
    api.ok(api.post("/inventory/quarantine/scrap", {**body, "quantity": 2, "reason": "bin"}))
    assert _state(api, "TEE", a["id"]) == (7, 3, 4, 0, 1, 0)
    after = _balances(api)
    # 2 x 6.00 written off: Dr 5100, Cr 1200.
    assert Decimal(after["5100"]) - Decimal(before["5100"]) == Decimal("12.00")
    assert Decimal(after["1200"]) - Decimal(before["1200"]) == Decimal("-12.00")
    journal = api.ok(api.get("/inventory/quarantine/movements", location_id=a["id"]))["items"]
    assert [(m["kind"], m["quantity"]) for m in journal] == [
        ("scrap", -2), ("release", -1), ("in", 4)]
    moves = api.ok(api.get("/inventory/movements", location_id=a["id"]))["items"]
    assert [(m["kind"], m["quantity"]) for m in moves][:2] == [("release", 1), ("quarantine", -4)]
    _audit_clean(api)


def test_quarantine_in_takes_returned_units_straight_into_quarantine(api: Api) -> None:
    a, b = _shop(api)
    prod = api.level("TEE", a["id"])["product_id"]
    with api.container.engine.begin() as conn:
        level = states.quarantine_in(conn, prod, b["id"], 2, "customer return", "return", None)
    assert (level["on_hand"], level["quarantined"], level["available"]) == (0, 2, 0)
    assert _state(api, "TEE", b["id"]) == (0, 0, 0, 0, 2, 0)
    _audit_clean(api)


def test_reserved_units_cannot_be_quarantined_and_nothing_changes(api: Api) -> None:
    a, _ = _shop(api)
    _refused(api, "/inventory/quarantine", {"sku": "TEE", "location_id": a["id"],
                                            "quantity": 8, "reason": "x"},
             409, "insufficient-stock", "quantity")
    _refused(api, "/inventory/quarantine/scrap", {"sku": "TEE", "location_id": a["id"],
                                                  "quantity": 1, "reason": "x"},
             409, "insufficient-stock", "quantity")
    _refused(api, "/inventory/quarantine", {"sku": "TEE", "location_id": "nowhere",
                                            "quantity": 1, "reason": "x"},
             422, "validation-error", "location_id")


# --- transfers ------------------------------------------------------------------------------

def test_a_transfer_ships_and_is_received_in_two_parts(api: Api) -> None:
    a, b = _shop(api)
    t = api.ok(api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 6}], "note": "stock the shop"}), 201)
    assert (t["number"], t["status"], t["lines"][0]["quantity"]) == ("TR-000001", "draft", 6)
    assert _state(api, "TEE", a["id"]) == (10, 3, 7, 0, 0, 0)
    shipped = api.ok(api.post(f"/inventory/transfers/{t['id']}/ship"))
    assert shipped["status"] == "in_transit"
    assert _state(api, "TEE", a["id"]) == (4, 3, 1, 0, 0, 0)
    assert _state(api, "TEE", b["id"]) == (0, 0, 0, 0, 0, 6)
    part = api.ok(api.post(f"/inventory/transfers/{t['id']}/receive",
                           {"lines": [{"sku": "TEE", "quantity": 2}]}))
    assert (part["status"], part["lines"][0]["in_transit"]) == ("partially_received", 4)
    assert _state(api, "TEE", b["id"]) == (2, 0, 2, 0, 0, 4)
    done = api.ok(api.post(f"/inventory/transfers/{t['id']}/receive"))
    assert done["status"] == "received"
    assert _state(api, "TEE", b["id"]) == (6, 0, 6, 0, 0, 0)
    assert [e["kind"] for e in done["events"]] == ["created", "shipped", "received", "received"]
    listed = api.ok(api.get("/inventory/transfers", location_id=b["id"]))["items"]
    assert [(x["number"], x["units"], x["to_location_code"]) for x in listed] == [
        ("TR-000001", 6, "WH-B")]
    _audit_clean(api)


def test_a_draft_transfer_is_cancelled_and_a_shipped_one_cannot_be(api: Api) -> None:
    a, b = _shop(api)
    body = {"from_location_id": a["id"], "to_location_id": b["id"],
            "lines": [{"sku": "TEE", "quantity": 1}]}
    t1 = api.ok(api.post("/inventory/transfers", body), 201)
    assert api.ok(api.post(f"/inventory/transfers/{t1['id']}/cancel"))["status"] == "cancelled"
    _refused(api, f"/inventory/transfers/{t1['id']}/ship", None, 409, "invalid-transition")
    t2 = api.ok(api.post("/inventory/transfers", body), 201)
    api.ok(api.post(f"/inventory/transfers/{t2['id']}/ship"))
    _refused(api, f"/inventory/transfers/{t2['id']}/cancel", None, 409, "invalid-transition")
    _refused(api, "/inventory/transfers/nope/ship", None, 404, "not-found")


def test_bad_transfers_are_refused_and_change_nothing(api: Api) -> None:
    a, b = _shop(api)
    line = [{"sku": "TEE", "quantity": 1}]
    _refused(api, "/inventory/transfers", {"from_location_id": a["id"],
                                           "to_location_id": "nowhere", "lines": line},
             422, "validation-error", "to_location_id")
    _refused(api, "/inventory/transfers", {"from_location_id": a["id"],
                                           "to_location_id": a["id"], "lines": line},
             422, "validation-error", "to_location_id")
    _refused(api, "/inventory/transfers", {"from_location_id": a["id"],
                                           "to_location_id": b["id"],
                                           "lines": [{"sku": "NOPE", "quantity": 1}]},
             422, "validation-error", "lines[0].sku")
    # 10 on hand but 3 reserved: 8 is more than available.
    _refused(api, "/inventory/transfers", {"from_location_id": a["id"],
                                           "to_location_id": b["id"],
                                           "lines": [{"sku": "TEE", "quantity": 8}]},
             409, "insufficient-stock", "lines[0].quantity")


def test_shipping_more_than_is_available_now_is_refused(api: Api) -> None:
    a, b = _shop(api)
    t = api.ok(api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 7}]}), 201)
    api.order(api.customer(email="late@example.com")["id"], [("TEE", 1)])  # available 7 -> 6
    _refused(api, f"/inventory/transfers/{t['id']}/ship", None, 409, "insufficient-stock",
             "lines[0].quantity")
    assert api.ok(api.get(f"/inventory/transfers/{t['id']}"))["status"] == "draft"


def test_receiving_more_than_shipped_is_refused(api: Api) -> None:
    a, b = _shop(api)
    api.product("MUG")
    t = api.ok(api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 2}]}), 201)
    _refused(api, f"/inventory/transfers/{t['id']}/receive", None, 409, "invalid-transition")
    api.ok(api.post(f"/inventory/transfers/{t['id']}/ship"))
    path = f"/inventory/transfers/{t['id']}/receive"
    _refused(api, path, {"lines": [{"sku": "TEE", "quantity": 3}]}, 422, "validation-error",
             "lines[0].quantity")
    _refused(api, path, {"lines": [{"sku": "MUG", "quantity": 1}]}, 422, "validation-error",
             "lines[0].sku")


def test_creating_a_transfer_is_idempotent(api: Api) -> None:
    a, b = _shop(api)
    body = {"from_location_id": a["id"], "to_location_id": b["id"],
            "lines": [{"sku": "TEE", "quantity": 1}]}
    first = api.post("/inventory/transfers", body, idem="tr-1")
    again = api.post("/inventory/transfers", body, idem="tr-1")
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(api.ok(api.get("/inventory/transfers"))["items"]) == 1


def test_a_clerk_may_read_but_not_move_stock(api: Api) -> None:
    a, b = _shop(api)
    resp = api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 1}]}, role="accountant")
    assert resp.status_code == 403
    assert api.get("/inventory/transfers", role="accountant").status_code == 200


# --- counts and opening balances -----------------------------------------------------------

def test_a_cycle_count_posts_the_differences_as_adjustments(api: Api) -> None:
    a, _ = _shop(api)
    api.product("MUG")
    api.stock("MUG", a["id"], 5)
    count = api.ok(api.post("/inventory/counts", {
        "location_id": a["id"], "lines": [{"sku": "TEE", "counted": 8},
                                          {"sku": "MUG", "counted": 5}]}), 201)
    assert (count["number"], count["status"]) == ("CC-000001", "counted")
    assert [(x["sku"], x["expected"], x["counted"]) for x in count["lines"]] == [
        ("TEE", 10, 8), ("MUG", 5, 5)]
    assert _state(api, "TEE", a["id"])[0] == 10  # recording changes no stock
    before = _balances(api)
    posted = api.ok(api.post(f"/inventory/counts/{count['id']}/post"))
    assert posted["status"] == "posted"
    assert [x["difference"] for x in posted["lines"]] == [-2, 0]
    assert _state(api, "TEE", a["id"]) == (8, 3, 5, 0, 0, 0)
    moves = api.ok(api.get("/inventory/movements", location_id=a["id"]))["items"]
    assert (moves[0]["kind"], moves[0]["quantity"], moves[0]["reason"]) == (
        "count", -2, "cycle count")
    after = _balances(api)
    assert Decimal(after["5100"]) - Decimal(before["5100"]) == Decimal("12.00")
    _refused(api, f"/inventory/counts/{count['id']}/post", None, 409, "invalid-transition")
    _audit_clean(api)


def test_counting_below_what_is_reserved_is_refused(api: Api) -> None:
    a, _ = _shop(api)
    _refused(api, "/inventory/counts", {"location_id": a["id"], "post": True,
                                        "lines": [{"sku": "TEE", "counted": 2}]},
             409, "insufficient-stock", "lines[0].counted")
    count = api.ok(api.post("/inventory/counts", {
        "location_id": a["id"], "lines": [{"sku": "TEE", "counted": 2}]}), 201)
    _refused(api, f"/inventory/counts/{count['id']}/post", None, 409, "insufficient-stock",
             "lines[0].counted")
    _refused(api, "/inventory/counts", {"location_id": "nowhere",
                                        "lines": [{"sku": "TEE", "counted": 2}]},
             422, "validation-error", "location_id")


def test_an_opening_balance_posts_against_equity(api: Api) -> None:
    api.product("CUP", standard_cost="2.50")
    wh = api.location("WH-O")
    api.ok(api.post("/inventory/adjustments", {
        "sku": "CUP", "location_id": wh["id"], "quantity": 4, "reason": "opening",
        "reason_code": "opening"}), 201)
    bal = _balances(api)
    assert (bal["1200"], bal["3000"]) == ("10.00", "-10.00")
    assert "5100" not in bal
    moves = api.ok(api.get("/inventory/movements", location_id=wh["id"]))["items"]
    assert moves[0]["kind"] == "opening"
    _refused(api, "/inventory/adjustments", {
        "sku": "CUP", "location_id": wh["id"], "quantity": -1, "reason": "x",
        "reason_code": "opening"}, 422, "validation-error", "quantity")


# --- CSV import -----------------------------------------------------------------------------

def _import(api: Api, text: str, dry_run: bool) -> Any:
    return api.client.post("/api/v1/inventory/imports", content=text.encode(),
                           params={"dry_run": str(dry_run).lower()},
                           headers={**api.headers(), "Content-Type": "text/csv"})


def test_a_dry_run_reports_changes_and_applying_posts_them(api: Api) -> None:
    a, b = _shop(api)
    api.product("MUG")
    text = "sku,location,on_hand\nTEE,WH-A,12\nMUG,WH-B,4\nTEE,WH-B,0\n"
    before = _frozen(api)
    report = api.ok(_import(api, text, dry_run=True))
    assert _frozen(api) == before
    assert [(r["row"], r["sku"], r["location"], r["current"], r["new"], r["difference"])
            for r in report["rows"]] == [(2, "TEE", "WH-A", 10, 12, 2),
                                         (3, "MUG", "WH-B", 0, 4, 4),
                                         (4, "TEE", "WH-B", 0, 0, 0)]
    assert report["summary"] == {"rows": 3, "changes": 2, "invalid": 0, "units_added": 6,
                                 "units_removed": 0}
    assert (report["dry_run"], report["applied"]) == (True, False)
    applied = api.ok(_import(api, text, dry_run=False))
    assert applied["applied"] is True
    assert len(applied["counts"]) == 2
    assert _state(api, "TEE", a["id"])[0] == 12
    assert _state(api, "MUG", b["id"])[0] == 4
    moves = api.ok(api.get("/inventory/movements", location_id=b["id"]))["items"]
    assert [(m["kind"], m["reason"]) for m in moves] == [("count", "stock import")]
    _audit_clean(api)


def test_a_bad_csv_shows_every_error_in_the_dry_run_and_applies_nothing(api: Api) -> None:
    _shop(api)
    text = "sku,location,on_hand\nTEE,WH-A,12\nNOPE,WH-A,1\nTEE,WH-B,-3\nTEE,WH-Z,1\nTEE,WH-A,x\n"
    report = api.ok(_import(api, text, dry_run=True))
    assert [(r["row"], [e["code"] for e in r["errors"]]) for r in report["rows"]] == [
        (2, []), (3, ["unknown_sku"]), (4, ["negative"]), (5, ["unknown_location"]),
        (6, ["not_integer", "duplicate"])]
    assert report["summary"]["invalid"] == 4
    api.key("admin")
    before = _frozen(api)
    resp = _import(api, text, dry_run=False)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in resp.json()["errors"]]
    assert fields == ["rows[3].sku", "rows[4].on_hand", "rows[5].location", "rows[6].on_hand",
                      "rows[6].sku"]
    assert _frozen(api) == before


def test_a_bad_header_or_a_count_below_reserved_is_refused(api: Api) -> None:
    _shop(api)
    report = api.ok(_import(api, "sku,qty\nTEE,1\n", dry_run=True))
    assert [e["code"] for e in report["file_errors"]] == ["bad_header"]
    api.key("admin")
    before = _frozen(api)
    resp = _import(api, "sku,qty\nTEE,1\n", dry_run=False)
    assert (resp.status_code, resp.json()["errors"][0]["field"]) == (422, "header")
    resp = _import(api, "sku,location,on_hand\nTEE,WH-A,2\n", dry_run=False)
    assert (resp.status_code, resp.json()["errors"][0]["code"]) == (422, "below_reserved")
    assert _frozen(api) == before


def test_the_import_also_takes_json(api: Api) -> None:
    a, _ = _shop(api)
    resp = api.post("/inventory/imports?dry_run=false",
                    {"csv": "sku,location,on_hand\nTEE,WH-A,11\n"})
    assert api.ok(resp)["applied"] is True
    assert _state(api, "TEE", a["id"])[0] == 11


def test_quarantined_units_weigh_in_the_moving_average_cost(api: Api) -> None:
    a, _ = _shop(api)  # 10 TEE at 6.00
    api.ok(api.post("/inventory/quarantine", {"sku": "TEE", "location_id": a["id"],
                                              "quantity": 4, "reason": "dented"}))
    sup = api.ok(api.post("/suppliers", {"name": "Acme", "currency": "USD"}), 201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": sup["id"], "location_id": a["id"],
        "lines": [{"sku": "TEE", "quantity": 10, "unit_cost": "8.00"}]}), 201)
    api.ok(api.post(f"/purchase-orders/{po['id']}/receipts"))
    with api.container.engine.connect() as conn:
        avg = inventory.unit_cost(conn, api.level("TEE", a["id"])["product_id"])
    # (10 owned x 6.00 + 10 x 8.00) / 20 -- the 4 in quarantine still count as owned.
    assert avg == Decimal("7.00")


def test_an_import_in_another_content_type_is_refused(api: Api) -> None:
    _shop(api)
    api.key("admin")
    before = _frozen(api)
    resp = api.client.post("/api/v1/inventory/imports", content=b"<xml/>",
                           params={"dry_run": "false"},
                           headers={**api.headers(), "Content-Type": "application/xml"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "content-type"
    assert _frozen(api) == before


def test_a_recorded_count_can_be_cancelled_and_then_not_posted(api: Api) -> None:
    a, _ = _shop(api)
    count = api.ok(api.post("/inventory/counts", {
        "location_id": a["id"], "lines": [{"sku": "TEE", "counted": 4}]}), 201)
    assert api.ok(api.post(f"/inventory/counts/{count['id']}/cancel"))["status"] == "cancelled"
    _refused(api, f"/inventory/counts/{count['id']}/post", None, 409, "invalid-transition")
    listed = api.ok(api.get("/inventory/counts", location_id=a["id"]))["items"]
    assert [(c["number"], c["status"], c["lines"]) for c in listed] == [
        ("CC-000001", "cancelled", 1)]
    assert _state(api, "TEE", a["id"])[0] == 10
