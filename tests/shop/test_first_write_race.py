"""Two admins saving the shop's settings for the first time at once: both find no row and both
INSERT it; the key refuses the second, which runs again, finds the row and updates it. Neither
change is lost and neither admin sees an error. Each racer is held at a barrier just before its
INSERT, so the race happens every run (PostgreSQL: the second INSERT waits for the first to
commit, then violates the key)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select

from pesanan.bootstrap import Container
from pesanan.core.actor import SYSTEM
from pesanan.db.tx import transact
from pesanan.events.models import outbox
from pesanan.flows import shop_settings
from pesanan.shop import service
from pesanan.shop.models import shop_settings as table
from pesanan.shop.schemas import ShopSettingsIn


@pytest.mark.postgres_only
def test_two_first_saves_at_once_both_land(container: Container) -> None:
    engine = container.engine
    barrier = threading.Barrier(2, timeout=10)
    inserts = []

    def wait(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO shop_settings "):
            inserts.append(statement)
            if len(inserts) <= 2:
                barrier.wait()

    def save(changes: ShopSettingsIn) -> Callable[[], Any]:
        return lambda: transact(engine, lambda c: shop_settings.update_shop(c, changes, SYSTEM))

    event.listen(engine, "before_cursor_execute", wait)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(lambda f: f(), [
                save(ShopSettingsIn(legal_name="PT Satu")),
                save(ShopSettingsIn(time_zone="Asia/Jakarta"))]))
    finally:
        event.remove(engine, "before_cursor_execute", wait)
    assert len(done) == 2 and len(inserts) == 2  # both tried to insert; the loser re-ran
    with engine.connect() as conn:
        p = service.profile(conn)
        rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
        events = conn.execute(select(func.count()).select_from(outbox)
                              .where(outbox.c.type == "shop.updated")).scalar_one()
    assert (p.legal_name, p.time_zone, rows, events) == ("PT Satu", "Asia/Jakarta", 1, 2)
