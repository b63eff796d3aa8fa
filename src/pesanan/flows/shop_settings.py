"""Changing the shop's settings and saying so: shop writes the row, events carries the news.
Both are on the platform floor and may not import each other, so the command lives here."""

from __future__ import annotations

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.events.service import emit
from pesanan.shop import service as shop
from pesanan.shop.profile import ShopProfile, profile_view
from pesanan.shop.queries import PROFILE_FIELDS
from pesanan.shop.schemas import ShopSettingsIn


def _announce(conn: Connection, before: ShopProfile, after: ShopProfile, actor: Actor) -> None:
    changed = [f for f in PROFILE_FIELDS if getattr(before, f) != getattr(after, f)]
    if changed:  # a change to what it already was is no news
        emit(conn, "shop.updated", "shop", "shop",
             {"changed": changed, "actor": actor.name, "shop": profile_view(after)})


def update_shop(conn: Connection, changes: ShopSettingsIn, actor: Actor) -> ShopProfile:
    before = shop.profile(conn)
    after = shop.update(conn, changes, actor)
    _announce(conn, before, after, actor)
    return after


def set_logo(conn: Connection, data: bytes | None, actor: Actor) -> ShopProfile:
    before = shop.profile(conn)
    after = shop.set_logo(conn, data, actor)
    _announce(conn, before, after, actor)
    return after
