"""An email's subject, text and HTML from its template (pure: Jinja2, no database).

Each notification has one template per language (templates/<en|id>/<kind>.txt) with two
blocks, `subject` and `body` (plain text: what a person reads). The HTML part is that same
text laid out by templates/common/layout.html, escaped, its links made clickable: one text to
write and translate per notification, and the two parts can never say different things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"']+")


def _linkify(text: str) -> Markup:
    """Escape a line and make its http(s) URLs links."""
    out, last = [], 0
    for m in _URL.finditer(text):
        out.append(escape(text[last:m.start()]))
        url = escape(m.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


_env = Environment(
    loader=PackageLoader("pesanan.mail", "templates"),
    # The text templates are not HTML: nothing to escape there (the layout escapes).
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a field missing from the context is a bug, not a blank
    keep_trailing_newline=False,
)
_env.filters["linkify"] = _linkify


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context)))


def render(template_name: str, lang: str, context: dict[str, Any]) -> Rendered:
    """The message of `template_name` (a notification kind, or "rule_message") in `lang`."""
    template = _env.get_template(f"{lang}/{template_name}.txt")
    subject = " ".join(_block(template, "subject", context).split())[:300]
    text = re.sub(r"\n{3,}", "\n\n", _block(template, "body", context).strip()) + "\n"
    paragraphs = [p.split("\n") for p in text.strip().split("\n\n")]
    html = _env.get_template("common/layout.html").render(
        lang=lang, subject=subject, paragraphs=paragraphs, shop=context["shop"])
    return Rendered(subject, text, html)
