"""The demo: a small shop and simulated trading days, for `pesanan demo` and `make run`."""

from __future__ import annotations

import random
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from pesanan.core import clock
from pesanan.demo import data
from pesanan.demo.shop import Shop, create_shop, has_shop, load_shop
from pesanan.demo.simulation import Simulation, Tally, first_day
from pesanan.shop import queries as shop_settings

__all__ = ["Shop", "Simulation", "Tally", "ensure_shop", "first_day", "load", "opening_time",
           "shop_zone"]


def ensure_shop(engine: Engine, rng: random.Random, products: int,
                at: datetime | None = None) -> bool:
    """Create the demo shop unless the database has one (any product counts); True when it
    created it. One transaction, unlike the simulated commands: a shop is there whole or not at
    all, so a failed first run never leaves half a shop that `--once` would take as done.
    `at`: when it is recorded (its opening stock, on the books before dated days begin)."""
    with clock.set_to(at) if at is not None else nullcontext(), engine.begin() as conn:
        if has_shop(conn):
            return False
        create_shop(conn, rng, products)
        return True


def opening_time(start: date, zone: tzinfo) -> datetime:
    """The shop opens its books the evening before its first dated day."""
    return datetime.combine(start - timedelta(days=1), time(20), tzinfo=zone)


def load(engine: Engine) -> Shop:
    with engine.connect() as conn:
        return load_shop(conn)


def shop_zone(engine: Engine) -> ZoneInfo:
    """The zone the simulated days are dated in: the shop's (its settings), else the demo's
    own (Asia/Jakarta) while the shop has set none."""
    with engine.connect() as conn:
        row = shop_settings.settings_row(conn)
    return ZoneInfo(row["time_zone"] if row else data.TIME_ZONE)
