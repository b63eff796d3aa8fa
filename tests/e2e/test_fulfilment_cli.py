"""`pesanan fulfilment …` against the test databases: the queue, a pick list, carriers, a 3PL
endpoint and dispatch."""

from __future__ import annotations

import pytest

from pesanan.config import get_settings
from tests.dbs import row_counts
from tests.e2e.conftest import Cli
from tests.factories import Api


def test_the_queue_and_a_pick_list_are_printed(cli: Cli, api: Api) -> None:
    api.product("TEE")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2)])
    [fo] = api.ok(api.get(f"/orders/{order['id']}/fulfilment-orders"))["items"]
    listed = cli("fulfilment", "list", "--location", "WH1", "--status", "open")
    assert listed.exit_code == 0, listed.output
    assert "SO-000001-1" in listed.stdout and fo["id"] in listed.stdout
    picks = cli("fulfilment", "pick-list", fo["id"])
    assert picks.exit_code == 0
    assert "TEE" in picks.stdout and "pick list SO-000001-1 at WH1 (2 units)" in picks.stdout
    packed = cli("fulfilment", "step", fo["id"], "pack")
    assert (packed.exit_code, packed.stdout.strip()) == (0, "SO-000001-1: packed")
    again = cli("fulfilment", "step", fo["id"], "pack")
    assert again.exit_code == 1
    assert "a packed fulfilment order cannot be packed" in again.stderr


def test_carriers_are_added_listed_and_removed(cli: Cli, api: Api) -> None:
    added = cli("fulfilment", "carriers", "add", "JNE", "JNE Express", "--tracking-url",
                "https://jne.example/{tracking}")
    assert added.exit_code == 0, added.output
    assert "https://jne.example/{tracking}" in cli("fulfilment", "carriers", "list").stdout
    before = row_counts(api.container.engine)
    bad = cli("fulfilment", "carriers", "add", "X", "X", "--tracking-url", "https://x.example")
    assert bad.exit_code == 2
    dup = cli("fulfilment", "carriers", "add", "jne", "Again")
    assert dup.exit_code == 1
    assert row_counts(api.container.engine) == before
    assert cli("fulfilment", "carriers", "remove", "JNE").exit_code == 0
    assert api.get("/carriers/JNE").status_code == 404


def test_a_3pl_endpoint_is_set_and_dispatch_reports_what_it_did(
        cli: Cli, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.product("TEE")
    loc = api.location("TPL1", kind="3pl")
    api.stock("TEE", loc["id"], 5)
    refused = cli("fulfilment", "endpoint", "TPL1", "http://127.0.0.1:9/none")
    assert refused.exit_code == 2  # refused input, as a 422
    assert "the address is loopback (this machine): 127.0.0.1" in refused.stderr
    monkeypatch.setenv("PESANAN_OUTBOUND_ALLOW", "127.0.0.1")  # development: a local 3PL
    get_settings.cache_clear()
    set_ = cli("fulfilment", "endpoint", "TPL1", "http://127.0.0.1:9/none")
    assert set_.exit_code == 0, set_.output
    assert "secret (shown once" in set_.stdout
    api.order(api.customer()["id"], [("TEE", 1)])
    sent = cli("fulfilment", "dispatch")
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.strip() == "sent 0, to retry 1, given up 0"
    [d] = api.ok(api.get("/3pl/dispatches"))["items"]
    assert (d["status"], d["attempts"]) == ("pending", 1)
