"""The demo's dated days (issue 12, demo realism), as `pesanan demo --days 14` runs them: the
orders spread over the fourteen days, every event at a time of the shop's day in Asia/Jakarta
(stored UTC), the carriers the demo ships with exist, the opening stock is on the books against
owner's equity, some customers pay on terms; and every invariant holds."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import text

from pesanan.audit import checks
from pesanan.bootstrap import Container
from pesanan.core import clock
from pesanan.demo import Simulation, data, ensure_shop, first_day, load, opening_time
from pesanan.ledger import queries as ledger_q

ZONE = ZoneInfo("Asia/Jakarta")
# 19:00 in Jakarta: the last day (today) has traded until then, not later.
UNTIL = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
DAYS = 14


def _run(container: Container) -> Simulation:
    start = first_day(DAYS, ZONE, UNTIL)
    rng = random.Random(11)
    ensure_shop(container.engine, rng, 10, at=opening_time(start, ZONE))
    sim = Simulation(container.engine, load(container.engine), rng, 6, start=start, zone=ZONE,
                     until=UNTIL)
    for _ in range(DAYS):
        sim.run_day()
    return sim


def _local(ts: datetime | str) -> datetime:
    """A stored time (UTC; SQLite's raw rows are text) on the shop's wall clock."""
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(ZONE)


def _times(conn: object, sql: str) -> list[datetime]:
    return [_local(r[0]) for r in conn.execute(text(sql)).all()]  # type: ignore[attr-defined]


def test_the_first_day_is_fourteen_days_back_and_today_counts_once_trade_began() -> None:
    evening = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)  # 19:00 WIB
    assert first_day(14, ZONE, evening).isoformat() == "2026-03-01"
    dawn = datetime(2026, 3, 14, 0, 30, tzinfo=UTC)  # 07:30 WIB: today has no trade yet
    assert first_day(14, ZONE, dawn).isoformat() == "2026-02-28"


def test_the_clock_is_set_only_inside_the_block() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=ZONE)
    with clock.set_to(at):
        assert clock.now() == at and clock.now().tzinfo == UTC
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 60


def test_demo_days_are_dated_in_the_shops_hours_with_its_carriers_equity_and_terms(
        container: Container) -> None:
    sim = _run(container)
    start = first_day(DAYS, ZONE, UNTIL)
    opens, closes = time(data.OPENS), time(data.CLOSES)
    with container.engine.connect() as conn:
        placed = _times(conn, "SELECT placed_at FROM sales_order")
        events = {
            "order": placed,
            "invoice": _times(conn, "SELECT issued_at FROM invoice"),
            "payment": _times(conn, "SELECT received_at FROM payment"),
            "shipped": _times(conn, "SELECT shipped_at FROM shipment"),
            "delivered": _times(conn, "SELECT delivered_at FROM shipment "
                                      "WHERE delivered_at IS NOT NULL"),
            "journal": _times(conn, "SELECT occurred_at FROM journal_entry"),
            "event": _times(conn, "SELECT occurred_at FROM outbox"),
            "movement": _times(conn, "SELECT created_at FROM stock_movement"),
        }
        carriers = {r[0]: r[1] for r in conn.execute(text(
            "SELECT code, tracking_url_template FROM carrier")).all()}
        shipped_by = conn.execute(text(
            "SELECT carrier, tracking_url FROM shipment")).all()
        opening = conn.execute(text(
            "SELECT e.id, l.account_code, l.debit, l.credit FROM journal_entry e "
            "JOIN journal_line l ON l.entry_id = e.id "
            "WHERE e.source_type = 'stock_adjustment'")).all()
        opening_value = conn.execute(text(
            "SELECT SUM(quantity * unit_cost) FROM stock_movement WHERE kind = 'opening'"
        )).scalar_one()
        adjustments = conn.execute(text(
            "SELECT COUNT(*) FROM stock_movement WHERE kind = 'adjustment'")).scalar_one()
        terms = dict(conn.execute(text(
            "SELECT name, payment_terms_days FROM customer WHERE payment_terms_days IS NOT NULL"
        )).all())
        invoiced_on_terms = conn.execute(text(
            "SELECT c.payment_terms_days, i.issued_at, i.due_at, "
            "(SELECT COUNT(*) FROM payment p WHERE p.invoice_id = i.id) FROM customer c "
            "JOIN sales_order o ON o.customer_id = c.id JOIN invoice i ON i.order_id = o.id "
            "WHERE c.payment_preference = 'invoice' AND c.payment_terms_days IS NOT NULL")).all()
        tb = ledger_q.trial_balance(conn)
        keyed_at = set(conn.execute(text(
            "SELECT o.channel, l.code FROM sales_order o "
            "JOIN location l ON l.id = o.keyed_at_location_id")).all())

    # Orders spread over the fourteen days, from the first to today, busiest at lunch and in
    # the evening rather than first thing in the morning.
    days = Counter(t.date() for t in placed)
    assert len(days) >= 10, days
    assert min(days) >= start and max(days) <= UNTIL.astimezone(ZONE).date()
    hours = Counter(t.hour for t in placed)
    assert hours[12] + hours[13] > hours[8] + hours[9], hours
    assert hours[18] + hours[19] + hours[20] > hours[8] + hours[9], hours
    # Every recorded time is in the shop's hours, none after "now" (UNTIL).
    for kind, times in events.items():
        assert times, kind
        stray = [t for t in times if not opens <= t.time() < closes or t > UNTIL]
        assert stray == [], (kind, stray[:5])
    # The books opened the evening before the first day.
    assert min(events["journal"]) == opening_time(start, ZONE)

    # Every shipment names a carrier the shop has, with its tracking link.
    assert set(carriers) == {c.code for c in data.CARRIERS}
    assert shipped_by and {c for c, _ in shipped_by} <= set(carriers)
    for code, url in shipped_by:
        assert (url is not None) == (carriers[code] is not None), (code, url)
    assert {c for c, _ in shipped_by} >= {"TOKO", "JNE"}  # a counter sale, a parcel

    # Opening stock: each entry balances, Dr Inventory / Cr Owner's equity, at cost.
    assert adjustments == 0  # nothing went to the adjustments expense account
    entries: dict[str, list[tuple[str, int, int]]] = {}
    for entry_id, account, debit, credit in opening:
        entries.setdefault(entry_id, []).append((account, int(debit), int(credit)))
    assert entries
    for lines in entries.values():
        assert sum(d for _, d, _ in lines) == sum(c for _, _, c in lines) > 0
        assert {(a, d > 0, c > 0) for a, d, c in lines} == {("1200", True, False),
                                                           ("3000", False, True)}
    assert sum(d for lines in entries.values() for _, d, _ in lines) == opening_value
    assert tb["balanced"]
    [idr] = tb["currencies"]
    equity = next(a for a in idr["accounts"] if a["code"] == "3000")
    assert equity["balance"] != "0"

    # Phone orders are taken at the main warehouse's desk (the oldest), POS sales in the store.
    assert keyed_at == {("phone", "WH-JKT"), ("pos", "TOKO-BDG")}

    # Some customers pay on terms: the businesses, each invoice due its terms after issue, and
    # some of them paid (the rest are receivables, as in a live shop).
    assert terms == {name: days for (name, _), days in
                     zip(data.B2B_CUSTOMERS, data.B2B_TERMS_DAYS, strict=True)}
    assert invoiced_on_terms
    for days, issued, due, _ in invoiced_on_terms:
        assert (_local(due) - _local(issued)).days == days
    assert any(paid for *_, paid in invoiced_on_terms)
    assert sim.tally.orders and sim.tally.payments
    with checks.snapshot(container.engine) as conn:
        assert {r.check.name: r.breaches for r in checks.run_all(conn) if not r.ok} == {}
