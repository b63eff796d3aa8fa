"""HTML to PDF: the documents' own Jinja2 environment (not the console's) and WeasyPrint.

Fonts: DejaVu Sans from the system (Debian's fonts-dejavu-core, which
scripts/ensure-system-packages.sh installs with Pango), named by @font-face in documents.css
so every machine embeds the same font whatever its fontconfig prefers. The renderer fetches
nothing from the network: only data: URIs (the shop's logo) and files under the system font
directory are loaded; anything else a text field might smuggle in is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from pesanan.documents import formats

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

_env = Environment(
    loader=PackageLoader("pesanan.documents", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["font_dir"] = FONT_DIR.as_uri()


# Filters read the document's currency (`cur`), the shop's locale and time zone from the
# template's context, so a template writes `{{ invoice.total|money }}` and cannot mix them up.
@pass_context
def _money(ctx: Context, amount: Any, currency: str | None = None) -> str:
    return formats.money(amount, currency or ctx["cur"], ctx["locale"])


@pass_context
def _day(ctx: Context, moment: Any) -> str:
    return formats.day(moment, ctx["zone"])


_env.filters.update(money=_money, day=_day, percent=formats.percent)


def _fetcher() -> Any:
    """WeasyPrint's URL fetcher, narrowed to the logo's data: URI and the system fonts."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class Narrow(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            allowed = parsed.scheme == "data" or (
                parsed.scheme == "file"
                and Path(unquote(parsed.path)).resolve().is_relative_to(FONT_DIR))
            if not allowed:
                raise FatalURLFetchingError(f"documents load nothing from {url[:60]}")
            return super().fetch(url, headers)

    return Narrow(allowed_protocols=("data", "file"), allow_redirects=False,
                  fail_on_errors=True)


def html(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def pdf(template: str, **context: Any) -> bytes:
    """The template rendered to a PDF (A4, fonts embedded)."""
    # Imported here: WeasyPrint loads Pango when imported, which the API's other routes and
    # the CLI do not need to pay for at start-up.
    from weasyprint import HTML

    out = HTML(string=html(template, **context), url_fetcher=_fetcher()).write_pdf()
    assert out is not None  # write_pdf without a target returns the bytes
    return bytes(out)
