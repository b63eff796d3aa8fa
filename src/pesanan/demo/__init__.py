"""The demo: a small shop and simulated trading days, for `pesanan demo` and `make run`."""

from __future__ import annotations

import random

from sqlalchemy import Engine

from pesanan.demo.shop import Shop, create_shop, has_shop, load_shop
from pesanan.demo.simulation import Simulation, Tally

__all__ = ["Shop", "Simulation", "Tally", "ensure_shop", "load"]


def ensure_shop(engine: Engine, rng: random.Random, products: int) -> bool:
    """Create the demo shop unless the database has one (any product counts); True when it
    created it. One transaction, unlike the simulated commands: a shop is there whole or not at
    all, so a failed first run never leaves half a shop that `--once` would take as done."""
    with engine.begin() as conn:
        if has_shop(conn):
            return False
        create_shop(conn, rng, products)
        return True


def load(engine: Engine) -> Shop:
    with engine.connect() as conn:
        return load_shop(conn)
