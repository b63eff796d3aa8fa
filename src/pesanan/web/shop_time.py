"""Times on screen in the shop's time zone, saying so (issue 12).

The shop's profile is read once per request (request.state) and its zone made active for the
thread that renders (a context variable, as web/i18n.py does for the locale), so `|local` in
any template or macro shows a stored UTC time on the shop's wall clock with the zone's
abbreviation: "2026-12-02 20:05 WIB", or the IANA name where the zone has no abbreviation of
its own ("2026-12-02 20:05 (America/Sao_Paulo)")."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2 import Environment

from pesanan.shop import service as shop
from pesanan.shop.profile import ShopProfile

_zone: ContextVar[tzinfo] = ContextVar("pesanan_shop_zone", default=UTC)


def profile_of(request: Request) -> ShopProfile:
    """The shop's profile for this request: one SELECT, the first time it is asked for."""
    cached = getattr(request.state, "shop_profile", None)
    if isinstance(cached, ShopProfile):
        return cached
    with request.app.state.container.read_engine.connect() as conn:
        found = shop.profile(conn)
    request.state.shop_profile = found
    return found


def use(request: Request) -> tzinfo:
    """Make the shop's zone the one this thread's rendering shows times in."""
    zone = profile_of(request).zone
    _zone.set(zone)
    return zone


def active_zone() -> tzinfo:
    return _zone.get()


def zone_label(moment: datetime) -> str:
    """WIB, UTC, CET…; a zone whose abbreviation is only an offset ("-03") by its name."""
    abbr = moment.tzname() or ""
    if abbr and abbr[0] not in "+-":
        return abbr
    zone = moment.tzinfo
    return f"({zone.key})" if isinstance(zone, ZoneInfo) else abbr


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored times are UTC


def in_shop_zone(value: Any) -> Any:
    """`{{ ts|in_shop_zone }}`: the aware datetime on the shop's clock (for |datetime); a value
    that is not a time passes through."""
    moment = _moment(value)
    return value if moment is None else moment.astimezone(active_zone())


def local(value: Any) -> str:
    """`{{ ts|local }}`: "2026-12-02 20:05 WIB" (a stored UTC time, shown in the shop's zone)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    shown = moment.astimezone(active_zone())
    return f"{shown:%Y-%m-%d %H:%M} {zone_label(shown)}"


def local_date(value: Any) -> str:
    """`{{ ts|local_date }}`: the shop's calendar day of a stored time ("2027-01-01")."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    return moment.astimezone(active_zone()).date().isoformat()


def install(env: Environment) -> None:
    env.filters["local"] = local
    env.filters["local_date"] = local_date
    env.filters["in_shop_zone"] = in_shop_zone
