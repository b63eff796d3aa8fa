"""When to try a failed delivery again (pure): webhooks and the 3PL dispatch alike.

The schedule spreads eleven attempts over about three days (the first at once, then 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h, 16 h: 71.6 h in all), so a receiver (a webhook
endpoint, a 3PL) that is down for a deploy gets its messages seconds later and one that is down
over a weekend still gets them. Each wait is jittered by ±15 % so a receiver that comes back is
not hit by every message that failed in the same second at once (they failed together, they
would retry together).
"""

from __future__ import annotations

DELAYS_SECONDS: tuple[float, ...] = (
    5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600, 14 * 3600, 14 * 3600,
    16 * 3600,
)
MAX_ATTEMPTS = len(DELAYS_SECONDS) + 1  # the first try, then one per delay
JITTER = 0.15


def delay_after(failures: int, rand: float, scale: float = 1.0) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt in a row (1 = the first), or None
    when that was the last attempt. `rand` in [0, 1) picks the jitter (random.random() in
    the worker, a fixed value in tests); `scale` shrinks the schedule (tests: 0.001)."""
    if failures < 1:
        raise ValueError("failures counts from 1")
    if failures > len(DELAYS_SECONDS):
        return None
    jitter = 1.0 + JITTER * (2.0 * rand - 1.0)
    return DELAYS_SECONDS[failures - 1] * jitter * scale


def total_span(scale: float = 1.0) -> float:
    """Seconds from the first attempt to the last, without jitter."""
    return sum(DELAYS_SECONDS) * scale
