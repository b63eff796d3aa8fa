"""The console on a phone (390 x 844): every main page fits the screen's width (no sideways
scrolling; wide tables scroll inside their card), the menu is folded behind a button that
opens it, and its links work. A screenshot of each page is saved at that width."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import Shooter, log_in
from tests.browser.tour import (  # noqa: F401  (demo_shop: a fixture)
    LOCALES,
    PHONE,
    Watch,
    assert_no_sideways_scroll,
    demo_shop,
    heading_in,
    log_in_speaking,
    shot_name,
    stops,
    visit,
)
from tests.factories import Api


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.usefixtures("demo_shop")
def test_every_main_page_fits_a_phone(context: BrowserContext, api: Api, container: Container,
                                      shot: Shooter, locale: str) -> None:
    tour = stops(api)
    page = context.new_page()
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    watch = Watch(page)
    assert visit(page, "/login")
    shot(page, shot_name("phone-login", locale))
    log_in_speaking(page, container, locale)
    seen = []
    for path, stop in tour:
        if visit(page, path, heading_in(stop, locale), stop.landing):
            shot(page, shot_name(f"phone-{stop.name}", locale))
            seen.append(stop.name)
    assert {"dashboard", "orders", "order-detail", "invoice", "ledger-journal"} <= set(seen)
    assert watch.problems == []


def test_the_phone_menu_is_folded_opens_and_its_links_work(
        context: BrowserContext, container: Container, shot: Shooter) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    log_in(page, container, "admin")
    page.goto("/")
    menu = page.locator(".topbar .menu")
    orders = menu.get_by_role("link", name="Orders", exact=True)
    toggle = page.locator(".topbar .menu-button")
    expect(toggle).to_be_visible()
    expect(orders).to_be_hidden()  # folded: the links take no room on a phone
    toggle.click()
    expect(orders).to_be_visible()
    assert_no_sideways_scroll(page, "the open menu")
    shot(page, "phone-menu-open")
    orders.click()
    page.wait_for_url("**/orders")
    expect(page.locator("h1").first).to_contain_text("Orders")
    expect(page.locator(".topbar .menu a[aria-current=page]")).to_be_hidden()  # folded again


def test_the_desktop_menu_is_not_folded(context: BrowserContext, container: Container) -> None:
    page = context.new_page()
    log_in(page, container, "admin")
    page.goto("/")
    expect(page.locator(".topbar .menu-button")).to_be_hidden()
    page.locator(".topbar .menu").get_by_role("link", name="Customers", exact=True).click()
    page.wait_for_url("**/customers")
