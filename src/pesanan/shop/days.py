"""Business days in the shop's time zone. Stored times stay UTC; a *day* (the invoice series
year, "today", a due date, a report's row) is the shop's local calendar day. Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no place in time: pass an aware (UTC) one")
    return at


def local(at: datetime, zone: tzinfo) -> datetime:
    """The same instant on the shop's wall clock."""
    return _aware(at).astimezone(zone)


def business_date(at: datetime, zone: tzinfo) -> date:
    """The shop's calendar day the instant falls on (23:30 UTC on 31 Dec is 1 Jan in Jakarta)."""
    return local(at, zone).date()


def day_bounds(d: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the shop's day d, in UTC. Local midnight to the next local midnight, so a
    day across a DST change is 23 or 25 hours long."""
    start = datetime.combine(d, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(d + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end
