"""`pesanan orders hold|release|edit|holds` against the test databases."""

from __future__ import annotations

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.e2e.conftest import Cli
from tests.factories import Api


def test_hold_list_release_and_edit_from_the_command_line(api: Api, cli: Cli) -> None:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.product("MUG", price="5.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    api.stock("MUG", wh["id"], 10)
    order = api.order(api.customer()["id"], [("TEE", 1), ("MUG", 1)])

    held = cli("orders", "hold", order["number"], "--reason", "check address")
    assert held.exit_code == 0, held.output
    assert f"held {order['number']}: on_hold" in held.stdout
    queue = cli("orders", "holds")
    assert order["number"] in queue.stdout and "check address" in queue.stdout
    released = cli("orders", "release", order["id"], "--note", "ok")
    assert released.exit_code == 0, released.output
    assert "no order is on hold" in cli("orders", "holds").stdout

    edited = cli("orders", "edit", order["number"], "--set", "1=3", "--remove", "2",
                 "--add", "MUG=2", "--note", "phone")
    assert edited.exit_code == 0, edited.output
    assert "revision 1: total 27.50 -> 77.00, balance due 77.00 USD" in edited.stdout
    now = api.ok(api.get(f"/orders/{order['id']}"))
    assert [(x["sku"], x["quantity"]) for x in now["lines"]] == [
        ("TEE", 3), ("MUG", 0), ("MUG", 2)]


def test_refused_commands_exit_non_zero_and_change_nothing(
        api: Api, cli: Cli, container: Container) -> None:
    api.product("TEE", price="20.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH1")["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 1)])
    before = snapshot(container.engine)
    too_many = cli("orders", "edit", order["number"], "--set", "1=9")
    assert too_many.exit_code == 1
    assert "TEE: 9 requested, 5 available" in too_many.stderr
    stale = cli("orders", "edit", order["number"], "--set", "1=2", "--expected-version", "9")
    assert stale.exit_code == 1
    assert "changed since version 9" in stale.stderr
    no_line = cli("orders", "edit", order["number"], "--set", "7=2")
    assert no_line.exit_code == 2
    assert "no line 7 on the order" in no_line.stderr
    assert cli("orders", "release", order["number"]).exit_code == 1
    assert cli("orders", "hold", "SO-999999", "--reason", "x").exit_code == 1
    assert snapshot(container.engine) == before
