"""In Chromium: an admin creates a product (a bad price refused beside the field first), and a
warehouse user drafts a manual purchase order for it, adds a line, and submits it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import Shooter, log_in
from tests.factories import Api


def test_a_product_then_a_manual_purchase_order_through_the_console(
        page: Page, api: Api, container: Container, shot: Shooter) -> None:
    wh = api.location("WH-A")
    sup = api.ok(api.post("/suppliers", {"name": "Kain Jaya", "currency": "USD"}), 201)
    api.product("MUG", currency="USD")
    log_in(page, container, "admin")
    page.locator("header.topbar").get_by_role("link", name="Products").click()
    page.get_by_role("button", name="New product").click()
    form = page.locator("#product-form")
    form.get_by_label("SKU").fill("TEE-BLK-M")
    form.get_by_label("Currency").fill("USD")
    form.get_by_label("Name").fill("Tee, black, M")
    form.get_by_label("Price").fill("abc")
    form.get_by_label("Tax rate").fill("0.1")
    form.get_by_label("Standard cost").fill("5")
    form.get_by_role("button", name="Create product").click()
    expect(page.locator("#price-error")).to_be_visible()
    expect(form.get_by_label("Price")).to_have_attribute("aria-invalid", "true")
    assert [p["sku"] for p in api.ok(api.get("/products"))["items"]] == ["MUG"]
    form.get_by_label("Price").fill("12.50")
    form.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("status")).to_have_text("Product created.")
    shot(page, "console-product-created")
    tee = api.ok(api.get("/products", sku="TEE-BLK-M"))["items"][0]
    assert (tee["price"], tee["tax_rate"], tee["standard_cost"]) == ("12.50", "0.1", "5.00")

    page.context.clear_cookies()
    log_in(page, container, "warehouse")
    page.goto("/purchasing")
    page.get_by_role("button", name="New purchase order").click()
    po_form = page.locator("#po-form")
    po_form.locator("select[name=supplier_id]").select_option(sup["id"])
    po_form.locator("select[name=location_id]").select_option(wh["id"])
    po_form.get_by_label("SKU").fill("TEE-BLK-M")
    po_form.get_by_label("Quantity").fill("10")
    po_form.locator("input[name=unit_cost]").fill("4.00")
    po_form.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(r"/purchasing/orders/[0-9a-f-]+$"))
    add = page.locator("#add-line")
    add.get_by_label("SKU").fill("MUG")
    add.get_by_label("Quantity").fill("2")
    add.locator("input[name=add-unit_cost]").fill("3.00")
    add.get_by_role("button", name="Add line").click()
    expect(page.locator("#draft-lines .row-item")).to_have_count(2)
    expect(page.locator("dl.money")).to_contain_text("46.00 USD")
    shot(page, "console-manual-po-draft")
    page.get_by_role("button", name="Submit to supplier").click()
    expect(page.locator(".statuses .badge")).to_have_text("ordered")
    expect(page.locator("#draft-lines")).to_have_count(0)
    [po] = api.ok(api.get("/purchase-orders"))["items"]
    assert (po["status"], po["total"]) == ("ordered", "46.00")
