"""The guarded reservations of an order (inventory.service.reserve): all held or none, on both
databases."""

from __future__ import annotations

from typing import Any

import pytest

from pesanan.core.errors import Retry
from pesanan.inventory import service as inventory
from tests.factories import Api


def _shop(api: Api) -> dict[str, Any]:
    wh = api.location("WH1")
    ids = {}
    for sku in ("A", "B", "C"):
        ids[sku] = api.product(sku)["id"]
        api.stock(sku, wh["id"], 5)
    api.product("OTHER")
    api.stock("OTHER", wh["id"], 5)
    order = api.order(api.customer()["id"], [("OTHER", 1)])
    return {"wh": wh["id"], "ids": ids, "order": order["id"], "line": order["lines"][0]["id"]}


def _reserved(api: Api, shop: dict[str, Any]) -> list[int]:
    return [api.level(sku, shop["wh"])["reserved"] for sku in ("A", "B", "C")]


def test_every_pick_held_reserves_each_row_once_with_repeats_merged(api: Api) -> None:
    shop = _shop(api)
    ids, wh, line = shop["ids"], shop["wh"], shop["line"]
    with api.container.engine.begin() as conn:
        inventory.reserve(conn, shop["order"], [(ids["C"], wh, 1, line), (ids["A"], wh, 2, line),
                                                (ids["B"], wh, 3, line), (ids["A"], wh, 3, line)])
    assert _reserved(api, shop) == [5, 3, 1]


@pytest.mark.parametrize("short", ["A", "B", "C"])
def test_one_pick_short_reserves_nothing(api: Api, short: str) -> None:
    shop = _shop(api)
    ids, wh, line = shop["ids"], shop["wh"], shop["line"]
    picks = [(ids[s], wh, 6 if s == short else 1, line) for s in ("A", "B", "C")]
    with api.container.engine.connect() as conn, pytest.raises(Retry):
        inventory.reserve(conn, shop["order"], picks)
    assert _reserved(api, shop) == [0, 0, 0]
