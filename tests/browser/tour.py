"""The console's main pages, for the screenshot and the mobile tours: a demo shop with a few
days of trade (`demo_shop`), sample records to open (`samples`) and the list of pages (`TOUR`).

To cover a new page, add a `Stop` to `TOUR`: its path may name a sample ({order}, {customer},
{invoice}, {fulfilment}, {po}, {rma}, {sku}); a stop whose sample the shop lacks is left out."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect
from sqlalchemy import select

from pesanan import demo
from pesanan.auth import users
from pesanan.auth.models import app_user
from pesanan.bootstrap import Container
from tests.factories import Api
from tests.web.helpers import PASSWORD, make_user

DEMO_DAYS = 3
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# The console's languages (web/i18n.py): a tour is taken in each. Headings are checked in
# English only; screenshots in another language are named after it (id_ID-dashboard.png).
LOCALES = ("en_US", "id_ID")


@dataclass(frozen=True, slots=True)
class Stop:
    path: str  # may hold {order}, {customer}, {invoice}, {fulfilment}, {po}, {rma}, {sku}
    name: str  # screenshot name
    heading: str = ""  # text the page's h1 holds ("" = any heading)
    landing: bool = False  # another slice is adding the page: skipped while it is a 404


TOUR: tuple[Stop, ...] = (
    Stop("/", "dashboard", "Dashboard"),
    Stop("/orders", "orders", "Orders"),
    Stop("/orders/{order}", "order-detail"),
    Stop("/orders/new", "new-order", "New order"),
    Stop("/holds", "holds", "Holds"),
    Stop("/holds/rules", "hold-rules", "Hold rules"),
    Stop("/customers", "customers", "Customers"),
    Stop("/customers/{customer}", "customer-profile"),
    Stop("/customers/{customer}/edit", "customer-edit"),
    Stop("/products", "products"),
    Stop("/products/new", "product-new"),
    Stop("/inventory", "inventory", "Inventory"),
    Stop("/inventory/history?sku={sku}", "movements"),
    Stop("/inventory/transfers", "transfers"),
    Stop("/inventory/counts", "counts", "Cycle counts"),
    Stop("/inventory/import", "stock-import"),
    Stop("/inventory/sourcing", "sourcing", "Sourcing"),
    Stop("/inventory/backorders", "backorders", "Backorders"),
    Stop("/fulfilment", "fulfilment", "Fulfilment"),
    Stop("/fulfilment/{fulfilment}", "fulfilment-detail"),
    Stop("/fulfilment/{fulfilment}/pick-list", "pick-list"),
    Stop("/fulfilment/carriers", "carriers", "Carriers"),
    Stop("/purchasing", "purchasing", "Purchasing"),
    Stop("/purchasing/orders/{po}", "purchase-order"),
    Stop("/purchasing/new", "purchase-order-new", landing=True),
    Stop("/purchasing/suppliers", "suppliers", "Purchasing"),
    Stop("/purchasing/offers", "supplier-offers", "Purchasing"),
    Stop("/purchasing/rules", "reorder-rules", "Purchasing"),
    Stop("/billing", "billing", "Billing"),
    Stop("/billing/invoices/{invoice}", "invoice", "Invoice"),
    Stop("/billing/payments", "payments", "Billing"),
    Stop("/returns", "returns", "Returns"),
    Stop("/returns/{rma}", "return-detail"),
    Stop("/ledger", "ledger-trial-balance", "Ledger"),
    Stop("/ledger/entries", "ledger-journal", "Ledger"),
    Stop("/api-keys", "api-keys", "API keys"),
    Stop("/users", "users"),
    Stop("/webhooks", "webhooks", "Webhooks"),
    Stop("/jobs", "jobs", "Jobs"),
    Stop("/automation", "automation", "Automation"),
    Stop("/settings", "settings"),
    Stop("/emails", "emails"),
    Stop("/search?q=SO-", "search"),
)


@pytest.fixture
def demo_shop(container: Container) -> None:
    """The demo shop (12 products) and three simulated days of orders, through the services."""
    rng = random.Random(7)
    demo.ensure_shop(container.engine, rng, 12)
    sim = demo.Simulation(container.engine, demo.load(container.read_engine), rng, 8)
    for _ in range(DEMO_DAYS):
        sim.run_day()


def log_in_speaking(page: Page, container: Container, locale: str, role: str = "admin") -> None:
    """Log in through the form as a fresh user of `role` whose console language is `locale`
    (what the language switch sets). The login page speaks the shop's language (the demo's is
    Indonesian), so its fields are found by id, not by label."""
    email = make_user(container, role)
    with container.engine.begin() as conn:
        user_id = conn.execute(select(app_user.c.id).where(app_user.c.email == email)
                               ).scalar_one()
        assert users.set_locale(conn, user_id, locale)
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: not url.endswith("/login") and "/login?" not in url)


def shot_name(name: str, locale: str) -> str:
    return name if locale == "en_US" else f"{locale}-{name}"


def heading_in(stop: Stop, locale: str) -> str:
    return stop.heading if locale == "en_US" else ""


def samples(api: Api) -> dict[str, str]:
    """Ids to open: an order that is underway (shipped or invoiced, not done), its customer, an
    invoice, a fulfilment order, a purchase order and a return (when the shop has them)."""
    orders = api.ok(api.get("/orders", limit=250))["items"]
    underway = [o for o in orders if o["status"] == "open"
                and (o["fulfillment_status"] != "unfulfilled" or o["amount_invoiced"] != "0")]
    order = (underway or orders)[0]
    out = {"order": order["id"], "customer": order["customer_id"], "order_number": order["number"]}
    for key, path in (("invoice", "/invoices"), ("fulfilment", "/fulfilment-orders"),
                      ("po", "/purchase-orders"), ("rma", "/returns")):
        items: list[dict[str, Any]] = api.ok(api.get(path, limit=1))["items"]
        if items:
            out[key] = items[0]["id"]
    stock = api.ok(api.get("/inventory", limit=1))["items"]
    if stock:
        out["sku"] = stock[0]["sku"]
    return out


def stops(api: Api) -> list[tuple[str, Stop]]:
    """(path, stop) of every stop whose samples exist."""
    s = samples(api)
    out = []
    for stop in TOUR:
        try:
            out.append((stop.path.format(**s), stop))
        except KeyError:
            continue  # the shop has no such record (e.g. no return yet)
    return out


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


def visit(page: Page, path: str, heading: str = "", landing: bool = False) -> bool:
    """Open `path`; False when the page does not exist (yet), else asserts it rendered with its
    heading and no sideways scrolling at the viewport's width."""
    resp = page.goto(path)
    assert resp is not None
    if resp.status == 404 and (landing or path.split("?")[0].count("/") == 1):
        return False  # a page another slice has not landed
    assert resp.status == 200, f"{path}: {resp.status}"
    h1 = page.locator("h1").first
    expect(h1, f"{path} has a heading").to_be_visible()
    if heading:
        expect(h1).to_contain_text(heading)
    assert_no_sideways_scroll(page, path)
    return True


def assert_no_sideways_scroll(page: Page, what: str) -> None:
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        wide = page.evaluate("""() => {
            const w = window.innerWidth, out = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.right > w + 1 && out.length < 5)
                    out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.right)}`);
            }
            return out;
        }""")
        raise AssertionError(f"{what} is {width}px wide at {inner}px: {wide}")
