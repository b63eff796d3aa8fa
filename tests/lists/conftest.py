"""The browser fixtures (Chromium against a live server) for tests/lists' browser test."""

from tests.browser.conftest import (  # noqa: F401  (fixtures, used by name)
    browser,
    context,
    live_servers,
    live_url,
    page,
    playwright,
    shot,
)
