"""Console pages for stock states: level columns, transfers, counts, import, quarantine."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _shop(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE")
    a, b = api.location("WH-A"), api.location("WH-B")
    api.stock("TEE", a["id"], 10)
    return a, b


def _frozen(container: Container) -> dict[str, Any]:
    return {k: v for k, v in snapshot(container.engine).items()
            if k not in ("api_key", "idempotency_key", "console_session", "user_account")}


def test_the_stock_page_shows_incoming_quarantined_and_in_transit(
        api: Api, client: TestClient, container: Container) -> None:
    a, b = _shop(api)
    api.ok(api.post("/inventory/quarantine", {"sku": "TEE", "location_id": a["id"],
                                              "quantity": 2, "reason": "dented"}))
    t = api.ok(api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 3}]}), 201)
    api.ok(api.post(f"/inventory/transfers/{t['id']}/ship"))
    login(client, container, "clerk")
    page = client.get("/inventory")
    assert page.status_code == 200
    assert ">Quarantined</th>" in page.text and ">In transit</th>" in page.text
    # WH-A: 5 on hand, 0 reserved, 5 available, quarantined 2; WH-B: 3 in transit.
    assert ('<td class="num"><strong>5</strong></td>\n  <td class="num"></td>\n'
            '  <td class="num">2</td>\n  <td class="num"></td>') in page.text
    assert ('<td class="num"></td>\n  <td class="num"></td>\n  <td class="num">3</td>'
            ) in page.text


def test_a_transfer_is_created_shipped_and_received_through_the_console(
        api: Api, client: TestClient, container: Container) -> None:
    a, b = _shop(api)
    token = login(client, container, "warehouse")
    made = client.post("/inventory/transfers", data={
        "csrf_token": token, "from_location_id": a["id"], "to_location_id": b["id"],
        "sku": ["TEE", ""], "quantity": ["4", ""]}, follow_redirects=False)
    assert made.status_code == 303, made.text
    detail = made.headers["location"]
    page = client.get(detail)
    assert "TR-000001" in page.text and 'action="' + detail + '/ship"' in page.text
    assert client.post(detail + "/ship", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    part = client.post(detail + "/receive", data={"csrf_token": token, "sku": "TEE",
                                                   "quantity": "1"}, follow_redirects=False)
    assert part.status_code == 303
    assert api.level("TEE", b["id"])["in_transit"] == 3
    rest = client.post(detail + "/receive", data={"csrf_token": token, "all": "1"},
                       follow_redirects=False)
    assert rest.status_code == 303
    final = client.get(detail)
    assert "received" in final.text and "Received 3 unit(s)" in final.text
    assert api.level("TEE", b["id"])["on_hand"] == 4
    listing = client.get("/inventory/transfers")
    assert "TR-000001" in listing.text


def test_a_transfer_to_the_same_location_or_of_too_much_shows_the_errors(
        api: Api, client: TestClient, container: Container) -> None:
    a, b = _shop(api)
    token = login(client, container, "warehouse")
    before = _frozen(container)
    same = client.post("/inventory/transfers", data={
        "csrf_token": token, "from_location_id": a["id"], "to_location_id": a["id"],
        "sku": "TEE", "quantity": "1"})
    assert same.status_code == 422
    assert 'id="to_location_id-error" role="alert">a transfer goes to a different location' \
        in same.text
    much = client.post("/inventory/transfers", data={
        "csrf_token": token, "from_location_id": a["id"], "to_location_id": b["id"],
        "sku": "TEE", "quantity": "11"})
    assert much.status_code == 409
    assert 'id="lines-0-quantity-error" role="alert">10 available at the source' in much.text
    assert 'value="11"' in much.text
    assert _frozen(container) == before


def test_receiving_more_than_in_transit_shows_the_error_and_changes_nothing(
        api: Api, client: TestClient, container: Container) -> None:
    a, b = _shop(api)
    t = api.ok(api.post("/inventory/transfers", {
        "from_location_id": a["id"], "to_location_id": b["id"],
        "lines": [{"sku": "TEE", "quantity": 2}]}), 201)
    api.ok(api.post(f"/inventory/transfers/{t['id']}/ship"))
    token = login(client, container, "warehouse")
    before = _frozen(container)
    resp = client.post(f"/inventory/transfers/{t['id']}/receive",
                       data={"csrf_token": token, "sku": "TEE", "quantity": "3"})
    assert resp.status_code == 422
    assert 'id="qty-TEE-error" role="alert">only 2 in transit</small>' in resp.text
    assert _frozen(container) == before


def test_a_count_is_recorded_and_posted_from_the_count_form(
        api: Api, client: TestClient, container: Container) -> None:
    a, _ = _shop(api)
    token = login(client, container, "warehouse")
    form = client.get("/inventory/counts", params={"location_id": a["id"]})
    assert 'aria-label="Counted TEE"' in form.text
    resp = client.post("/inventory/counts", data={
        "csrf_token": token, "location_id": a["id"], "sku": "TEE", "counted": "7"},
        follow_redirects=False)
    assert resp.status_code == 303
    page = client.get(resp.headers["location"])
    assert "CC-000001" in page.text and "Post differences" in page.text
    assert api.level("TEE", a["id"])["on_hand"] == 10
    posted = client.post(resp.headers["location"] + "/post", data={"csrf_token": token},
                         follow_redirects=False)
    assert posted.status_code == 303
    assert api.level("TEE", a["id"])["on_hand"] == 7
    assert '<td class="num">-3</td>' in client.get(resp.headers["location"]).text


def test_a_bad_count_shows_the_error_beside_the_sku(
        api: Api, client: TestClient, container: Container) -> None:
    a, _ = _shop(api)
    token = login(client, container, "warehouse")
    before = _frozen(container)
    resp = client.post("/inventory/counts", data={
        "csrf_token": token, "location_id": a["id"], "sku": "TEE", "counted": "-1"})
    assert resp.status_code == 422
    assert 'id="counted-TEE-error"' in resp.text
    assert _frozen(container) == before


def test_the_import_previews_then_applies(api: Api, client: TestClient,
                                          container: Container) -> None:
    a, b = _shop(api)
    token = login(client, container, "warehouse")
    text = "sku,location,on_hand\nTEE,WH-A,12\nTEE,WH-B,2\n"
    before = _frozen(container)
    preview = client.post("/inventory/import", data={"csrf_token": token},
                          files={"file": ("stock.csv", text.encode(), "text/csv")})
    assert preview.status_code == 200
    assert "Preview (dry run: nothing has changed)" in preview.text
    assert '<td class="num">+2</td>' in preview.text
    assert "Apply 2 change(s)" in preview.text
    assert _frozen(container) == before
    applied = client.post("/inventory/import", data={"csrf_token": token, "csv": text,
                                                     "apply": "1"})
    assert applied.status_code == 200
    assert "Applied: 2 change(s) posted as CC-000001, CC-000002." in applied.text
    assert (api.level("TEE", a["id"])["on_hand"], api.level("TEE", b["id"])["on_hand"]) == (
        12, 2)


def test_a_bad_import_preview_lists_row_errors_and_offers_no_apply(
        api: Api, client: TestClient, container: Container) -> None:
    _shop(api)
    token = login(client, container, "warehouse")
    text = "sku,location,on_hand\nNOPE,WH-A,1\nTEE,WH-A,-2\n"
    before = _frozen(container)
    preview = client.post("/inventory/import", data={"csrf_token": token, "csv": text})
    assert "sku: no product with SKU NOPE" in preview.text
    assert "on_hand: on_hand cannot be negative" in preview.text
    assert "Apply" not in preview.text
    forced = client.post("/inventory/import", data={"csrf_token": token, "csv": text,
                                                    "apply": "1"})
    assert forced.status_code == 422
    assert "nothing was applied" in forced.text
    assert _frozen(container) == before


def test_quarantine_actions_on_the_history_page(api: Api, client: TestClient,
                                                container: Container) -> None:
    a, _ = _shop(api)
    token = login(client, container, "warehouse")
    page = client.get("/inventory/history", params={"sku": "TEE", "location_id": a["id"]})
    assert "Move to quarantine" in page.text
    resp = client.post("/inventory/quarantine", data={
        "csrf_token": token, "sku": "TEE", "location_id": a["id"], "quantity": "3",
        "reason": "crushed", "action": "quarantine"}, follow_redirects=False)
    assert resp.status_code == 303
    assert "Moved to quarantine." in client.get(resp.headers["location"]).text
    assert api.level("TEE", a["id"])["quarantined"] == 3
    before = _frozen(container)
    refused = client.post("/inventory/quarantine", data={
        "csrf_token": token, "sku": "TEE", "location_id": a["id"], "quantity": "4",
        "reason": "bin", "action": "scrap"})
    assert refused.status_code == 409
    assert "not that many units in quarantine" in refused.text
    assert _frozen(container) == before


def test_a_clerk_sees_transfers_but_cannot_create_one(api: Api, client: TestClient,
                                                      container: Container) -> None:
    a, b = _shop(api)
    token = login(client, container, "clerk")
    page = client.get("/inventory/transfers")
    assert page.status_code == 200 and "New transfer" not in page.text
    resp = client.post("/inventory/transfers", data={
        "csrf_token": token, "from_location_id": a["id"], "to_location_id": b["id"],
        "sku": "TEE", "quantity": "1"})
    assert resp.status_code == 403


def test_an_opening_balance_can_be_entered_from_the_adjust_form(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("CUP", standard_cost="2.50")
    wh = api.location("WH-O")
    token = login(client, container, "admin")
    assert "Opening balance (equity 3000)" in client.get("/inventory").text
    resp = client.post("/inventory/adjustments", data={
        "csrf_token": token, "sku": "CUP", "location_id": wh["id"], "quantity": "4",
        "reason": "opening", "reason_code": "opening"}, follow_redirects=False)
    assert resp.status_code == 303
    tb = api.ok(api.get("/ledger/trial-balance"))
    balances = {a["code"]: a["balance"] for c in tb["currencies"] for a in c["accounts"]}
    assert (balances["1200"], balances["3000"]) == ("10.00", "-10.00")
