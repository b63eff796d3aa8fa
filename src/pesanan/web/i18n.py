"""The console's language (issue 12): which locale a request is in, its gettext catalogue, the
amount and date filters that follow it. The switch itself is web/views/language.py.

The locale of a request is the user's own (app_user.locale) when set, else the shop's
(pesanan.shop.service.profile), else en_US. It is looked up once per request (request.state)
and made active for the thread that renders (a context variable), so `_()` in any template,
macro or Python sentence (forms.py) reads the right catalogue without the Jinja environment,
shared by every thread, ever being switched.

Catalogues are the .po files under pesanan/locale (the only source: no compiled .mo is kept),
compiled in memory the first time a language is used.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request
from jinja2 import Environment

from pesanan.auth import users
from pesanan.core.amounts import (
    DEFAULT_LOCALE,
    N_,
    AmountError,
    format_decimal,
    format_money,
)
from pesanan.shop import service as shop
from pesanan.shop.profile import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).parent.parent / "locale"
# The languages offered by the switch, in their own words.
LANGUAGE_NAMES = {"en_US": "English", "id_ID": "Bahasa Indonesia"}

_active: ContextVar[str] = ContextVar("pesanan_locale", default=DEFAULT_LOCALE)

# Words the console shows from data (the badge macro's statuses, roles, kinds), spelt as the
# macro shows them ("on_hold" -> "on hold"): listed here so pybabel puts them in the catalogues.
STATUS_WORDS = (
    N_("open"), N_("on hold"), N_("completed"), N_("cancelled"), N_("draft"), N_("issued"),
    N_("paid"), N_("unpaid"), N_("partially paid"), N_("refunded"), N_("partially refunded"),
    N_("void"), N_("pending"), N_("unfulfilled"), N_("partially fulfilled"), N_("fulfilled"),
    N_("partially shipped"), N_("shipped"), N_("delivered"), N_("failed delivery"), N_("failed"),
    N_("released"), N_("picking"), N_("picked"), N_("packed"), N_("submitted"), N_("ordered"),
    N_("partially received"), N_("received"), N_("closed"), N_("requested"), N_("approved"),
    N_("rejected"), N_("exchanged"), N_("in transit"), N_("active"), N_("disabled"),
    N_("enabled"), N_("admin"), N_("clerk"), N_("warehouse"), N_("accountant"), N_("ok"),
    N_("error"), N_("running"), N_("sent"), N_("succeeded"), N_("quarantine"), N_("restock"),
    N_("scrap"), N_("placed"), N_("overdue"), N_("invoiced"), N_("partially invoiced"),
    N_("posted"), N_("counting"), N_("backordered"), N_("allocated"), N_("web"), N_("pos"),
    N_("phone"), N_("card"), N_("bank transfer"), N_("cash"), N_("cod"), N_("other"), N_("store"),
    N_("3pl"), N_("revoked"), N_("locked"), N_("success"), N_("skipped"), N_("due"),
    N_("retrying"),
)

# The dashboard's queue stages and the age of their oldest order (analytics/queries.backlog
# gives them in English, as the API does; the card shows them through |t).
QUEUE_WORDS = (
    N_("Waiting to be picked"), N_("Partly shipped"), N_("Waiting for an invoice"),
    N_("Waiting for payment"), N_("On hold"), N_("just now"),
)

# Titles and sentences the views pass to error.html, which shows them through |t.
ERROR_WORDS = (
    N_("Nothing to show"), N_("Not found"), N_("Fulfilment order not found"),
    N_("Customer not found"), N_("Return not found"), N_("Purchase order not found"),
    N_("Product not found"), N_("Nothing to export"), N_("Not allowed"), N_("No such job"),
    N_("Invoice not found"), N_("Form expired"), N_("Document not found"),
    N_("Cannot print this"), N_("Your role does not give access to this page."),
    N_("This paging link is not valid."), N_("No such action."),
    N_("No customer has this id. It may have been mistyped."),
    N_("No product has this id. It may have been mistyped."),
    N_("There is no invoice at this address. It may have been mistyped."),
    N_("There is no return at this address."),
    N_("There is no such fulfilment order. It may have been mistyped."),
    N_("There is no such fulfilment order."),
    N_("There is no such purchase order. It may have been mistyped."),
)


@cache
def catalogue(locale: str) -> _gettext.NullTranslations:
    """The compiled catalogue of `locale`'s language (en_US -> locale/en/LC_MESSAGES)."""
    po = LOCALE_DIR / locale.split("_")[0] / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as f:
        cat = read_po(f, locale=locale)
    mo = BytesIO()
    write_mo(mo, cat)
    mo.seek(0)
    return Translations(mo)


def active_locale() -> str:
    return _active.get()


def activate(locale: str) -> None:
    """Make `locale` the one this thread's rendering and sentences use."""
    _active.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **params: Any) -> str:
    """`message` in the active language, with %(name)s params filled in (for Python code)."""
    text = catalogue(active_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = catalogue(active_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def amount_problem(error: AmountError) -> str:
    """An AmountError as a sentence in the active language."""
    return gettext(error.template, **error.params) if error.params else gettext(error.template)


def locale_of(request: Request) -> str:
    """The request's locale: the user's, else the shop's, else en_US (read once a request)."""
    cached = getattr(request.state, "locale", None)
    if isinstance(cached, str):
        return cached
    uid = request.session.get("uid") if "session" in request.scope else None
    with request.app.state.container.read_engine.connect() as conn:
        chosen = users.get_locale(conn, str(uid)) if uid else None
        if chosen not in SUPPORTED_LOCALES:
            chosen = shop.profile(conn).locale
    locale = chosen if chosen in SUPPORTED_LOCALES else DEFAULT_LOCALE
    request.state.locale = locale
    return locale


def use(request: Request) -> str:
    """Activate the request's locale in this thread; returns it."""
    locale = locale_of(request)
    activate(locale)
    return locale


# --- Jinja -------------------------------------------------------------------------------

def _template_gettext(message: str) -> str:
    # Jinja wraps these (newstyle): %(name)s params filled in, so a literal % is %% in
    # templates, and the result escaped like any value when autoescaping.
    return catalogue(active_locale()).gettext(message)


def translated(text: Any) -> str:
    """`{{ title|t }}`: a sentence that arrives as data (error pages), in the active language
    when the catalogue has it, else as it is. Unlike _(), never %-formatted."""
    return str(catalogue(active_locale()).gettext(str(text))) if text else ""


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(active_locale()).ngettext(singular, plural, n)


def money(value: Any, currency: str | None = None) -> str:
    """The `money` filter: every amount on screen, through core.amounts.format_money in the
    active locale ("50,000" IDR in en_US, "50.000" in id_ID, never rounded). Without a currency,
    the number with the locale's separators and the decimals it arrived with."""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not d.is_finite():
        return str(value)
    if currency:
        # The number only: every console table names the currency beside it or in a column
        # ("50.000 IDR"); documents and mail show the symbol ("Rp 50.000").
        try:
            return format_money(d, currency, active_locale(), symbol=False)
        except (KeyError, ValueError):
            pass
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_decimal(d, active_locale(), places)


def _moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def datetime_filter(value: Any, format: str = "medium") -> str:
    """`{{ ts|datetime }}`: a time in the active locale. A tz-aware value keeps its zone (so
    `ts|local|datetime` shows the shop's time); a naive one is UTC."""
    moment = _moment(value)
    if moment is None:
        return str(value or "")
    if not isinstance(moment, datetime):
        return format_date(moment, format=format, locale=active_locale())
    if format != "medium":
        return format_datetime(moment, format, locale=active_locale())
    # The medium date and a 24-hour hour:minute (no seconds), joined the locale's way.
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    loc = Locale.parse(active_locale())
    day = format_date(moment.date(), "medium", locale=loc)
    time = format_skeleton("Hm", moment, tzinfo=moment.tzinfo, locale=loc)
    return str(loc.datetime_formats["medium"]).replace("{1}", day).replace("{0}", time)


def date_filter(value: Any, format: str = "medium") -> str:
    """`{{ ts|date }}`: the day in the active locale ("2 Des 2026", "Dec 2, 2026")."""
    moment = _moment(value)
    if moment is None:
        return str(value or "")
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, format=format, locale=active_locale())


def install(env: Environment) -> None:
    """Gettext, amounts and dates in templates, all reading the thread's active locale."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True)
    env.filters["money"] = money
    env.filters["t"] = translated
    env.filters["datetime"] = datetime_filter
    env.filters["date"] = date_filter
    env.globals["languages"] = LANGUAGE_NAMES
    env.globals["active_locale"] = active_locale
