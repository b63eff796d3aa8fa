"""The browser test here drives the live server of tests/browser (same fixtures)."""

from tests.browser.conftest import (  # noqa: F401  (fixtures, found by name)
    browser,
    context,
    live_servers,
    live_url,
    page,
    playwright,
    shot,
)
