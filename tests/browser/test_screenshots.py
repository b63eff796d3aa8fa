"""A tour of every main page on a demo shop with a few days of trade: each must render (its
heading, no script error, no broken asset, no sideways scrolling) and is saved as a screenshot
under test-output/screenshots/ for people to look at."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Response, expect

from pesanan import demo
from pesanan.bootstrap import Container
from tests.browser.conftest import TABLET, Shooter, log_in
from tests.factories import Api

DEMO_DAYS = 3


@pytest.fixture
def demo_shop(container: Container) -> None:
    """The demo shop (12 products) and three simulated days of orders, through the services."""
    rng = random.Random(7)
    demo.ensure_shop(container.engine, rng, 12)
    sim = demo.Simulation(container.engine, demo.load(container.read_engine), rng, 8)
    for _ in range(DEMO_DAYS):
        sim.run_day()


class Watch:
    """Script errors and failed requests of a page, to assert there were none."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        page.on("response", self._response)

    def _response(self, resp: Response) -> None:
        # 403/404/422 pages are deliberate; a 5xx, or any failing asset, is a bug.
        if resp.status >= 500 or (resp.status >= 400 and "/static/" in resp.url):
            self.problems.append(f"{resp.status} {resp.url}")


def _visit(page: Page, path: str, heading: str) -> None:
    resp = page.goto(path)
    assert resp is not None and resp.status == 200, f"{path}: {resp and resp.status}"
    expect(page.locator("h1").first).to_contain_text(heading)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{path} is {width}px wide"  # type: ignore[index]


def _samples(api: Api) -> dict[str, Any]:
    """An order that is underway (shipped or invoiced, not done), its customer, an invoice."""
    orders = api.ok(api.get("/orders", limit=250))["items"]
    underway = [o for o in orders if o["status"] == "open"
                and (o["fulfillment_status"] != "unfulfilled" or o["amount_invoiced"] != "0")]
    order = (underway or orders)[0]
    invoice = api.ok(api.get("/invoices", limit=1))["items"][0]
    return {"order": order, "invoice": invoice}


def test_every_main_page_renders_and_is_saved_as_a_screenshot(
        context: BrowserContext, api: Api, container: Container, demo_shop: None,
        shot: Shooter) -> None:
    s = _samples(api)
    page = context.new_page()
    watch = Watch(page)
    _visit(page, "/login", "Pesanan")
    shot(page, "login")
    log_in(page, container, "admin")
    expect(page.locator("#orders-today")).not_to_have_text("0")
    tour = [
        ("/", "Dashboard", "dashboard"),
        ("/orders", "Orders", "orders"),
        (f"/orders/{s['order']['id']}", s["order"]["number"], "order-detail"),
        ("/orders/new", "New order", "new-order"),
        ("/customers", "Customers", "customers"),
        (f"/customers/{s['order']['customer_id']}", "", "customer-profile"),
        ("/inventory", "Inventory", "inventory"),
        ("/purchasing", "Purchasing", "purchasing"),
        ("/billing", "Billing", "billing"),
        (f"/billing/invoices/{s['invoice']['id']}", "Invoice", "invoice"),
        ("/ledger", "Ledger", "ledger"),
    ]
    for path, heading, name in tour:
        _visit(page, path, heading)
        shot(page, name)
    page.set_viewport_size(TABLET)
    for path, heading, name in tour[:4]:
        if name != "orders":
            _visit(page, path, heading)
            shot(page, f"tablet-{name}")
    assert watch.problems == []
