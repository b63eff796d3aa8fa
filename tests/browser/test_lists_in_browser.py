"""In Chromium: a filter changed in place (HTMX) is what Export CSV downloads; a sort header
click reorders the rows; the header's search box finds an order by its number."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Page, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import Shooter, log_in
from tests.factories import Api
from tests.lists.helpers import shop


def test_export_takes_the_filter_changed_in_place_and_a_header_sorts(
        page: Page, api: Api, container: Container, shot: Shooter, tmp_path: Path) -> None:
    s = shop(api)
    keyed = {"keyed_by": "Sari", "keyed_at_location_id": s["wh"]["id"]}
    phone = api.order(s["ada"]["id"], [("TEH-HIJAU", 1)], channel="phone", **keyed)
    small = api.order(s["budi"]["id"], [("TEH-HIJAU", 1)])
    big = api.order(s["budi"]["id"], [("KOPI-BALI", 3)])
    log_in(page, container, "admin")
    page.goto("/orders")

    page.get_by_label("Channel").select_option("phone")
    expect(page.locator("#order-rows tr")).to_have_count(1)
    with page.expect_download() as got:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "orders.csv"
    got.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert got.value.suggested_filename.startswith("orders-")
    assert [r["number"] for r in rows] == [phone["number"]]

    page.goto("/orders")
    page.get_by_role("link", name="Total").click()
    page.wait_for_url("**sort=total**")
    numbers = page.locator("#order-rows td.code a").all_inner_texts()
    # Descending; the two equal totals newest first (the id breaks the tie the same way).
    assert numbers == [big["number"], small["number"], phone["number"]]
    shot(page, "lists-orders-sorted")

    page.get_by_role("searchbox", name="Search").first.fill(big["number"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=**")
    expect(page.locator("#found-order a")).to_have_text(big["number"])
    shot(page, "lists-search")
