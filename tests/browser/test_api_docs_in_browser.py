"""/docs and /redoc in a real browser with the network cut off: everything they need comes
from the app, and Swagger UI offers the Authorize box the bearer scheme declares."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

# Parsing 1.7 MB of Swagger UI (1.1 MB of ReDoc) takes seconds on a busy 2-core machine.
RENDER_MS = 60_000


def _offline(page: Page, live_url: str) -> list[str]:
    """Abort every request that leaves the app; return the list of those attempted."""
    outside: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith(live_url) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_swagger_ui_renders_offline_with_an_authorize_box(page: Page, live_url: str) -> None:
    outside = _offline(page, live_url)
    page.goto("/docs")
    expect(page.get_by_role("button", name="Authorize")).to_be_visible(timeout=RENDER_MS)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/orders").first).to_be_visible()
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("bearerAuth  (http, Bearer)")).to_be_visible()
    assert outside == []


def test_redoc_renders_offline(page: Page, live_url: str) -> None:
    outside = _offline(page, live_url)
    page.goto("/redoc")
    expect(page.get_by_role("heading", name="Pesanan (0.1.0)")).to_be_visible(timeout=RENDER_MS)
    expect(page.get_by_text("bearerAuth").first).to_be_attached()
    assert outside == []
