"""`pesanan returns …` against the test databases: the path from request to refund, and a
refused request that exits non-zero and changes nothing."""

from __future__ import annotations

from tests.dbs import row_counts
from tests.e2e.conftest import Cli
from tests.factories import Api


def _delivered(api: Api) -> tuple[dict[str, object], str]:
    api.product("TEE", price="100.00", tax_rate="0.10")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2)])
    oid = order["id"]
    api.ok(api.post(f"/orders/{oid}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{oid}/payments", {"amount": "220.00", "method": "card"}), 201)
    shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return order, str(wh["id"])


def test_a_return_runs_from_request_to_refund_on_the_command_line(cli: Cli, api: Api) -> None:
    order, wh = _delivered(api)
    done = cli("returns", "request", "--order", str(order["number"]), "--line", "TEE:1:torn")
    assert done.exit_code == 0, done.output
    rma = api.ok(api.get("/returns"))["items"][0]
    for args in (("approve", rma["number"]),
                 ("receive", rma["number"], "--location", wh, "--line", "1=restock"),
                 ("refund", rma["number"], "--method", "card")):
        result = cli("returns", *args)
        assert result.exit_code == 0, result.output
    assert "refunded 110.00 USD" in result.stdout
    assert api.ok(api.get(f"/returns/{rma['id']}"))["status"] == "refunded"
    listed = cli("returns", "list", "--status", "refunded")
    assert rma["number"] in listed.stdout


def test_returning_more_than_delivered_exits_non_zero_and_changes_nothing(
        cli: Cli, api: Api) -> None:
    order, _ = _delivered(api)
    before = row_counts(api.container.engine)
    result = cli("returns", "request", "--order", str(order["id"]), "--line", "TEE:3:torn")
    assert result.exit_code == 2
    assert "lines[0].quantity" in result.stderr
    assert row_counts(api.container.engine) == before
