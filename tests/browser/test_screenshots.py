"""A tour of every main page (tests/browser/tour.py) on a demo shop with a few days of trade:
each must render (its heading, no script error, no broken asset, no sideways scrolling) and is
saved as a screenshot under test-output/screenshots/ for people to look at, on a desktop
(1440 px), a tablet (820 px) and a phone (390 px: `phone-*`, saved by test_mobile.py), in
each of the console's languages (en_US; id_ID as `id_ID-*`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import TABLET, Shooter
from tests.browser.tour import (  # noqa: F401  (demo_shop: a fixture)
    DESKTOP,
    LOCALES,
    Watch,
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
def test_every_main_page_renders_and_is_saved_as_a_screenshot(
        context: BrowserContext, api: Api, container: Container, shot: Shooter, locale: str
        ) -> None:
    tour = stops(api)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    watch = Watch(page)
    assert visit(page, "/login")
    shot(page, shot_name("login", locale))
    log_in_speaking(page, container, locale)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))
    expect(page.locator("#orders-today")).not_to_have_text("0")
    seen = []
    for path, stop in tour:
        if visit(page, path, heading_in(stop, locale), stop.landing):
            shot(page, shot_name(stop.name, locale))
            seen.append(stop.name)
    assert {"dashboard", "orders", "order-detail", "new-order", "customer-profile", "invoice",
            "ledger-trial-balance", "ledger-journal", "fulfilment-detail"} <= set(seen)
    page.set_viewport_size(TABLET)
    for path, stop in tour:
        if stop.name in ("dashboard", "order-detail", "new-order"):
            assert visit(page, path, heading_in(stop, locale))
            shot(page, shot_name(f"tablet-{stop.name}", locale))
    assert watch.problems == []
