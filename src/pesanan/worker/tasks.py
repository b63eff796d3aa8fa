"""What the worker runs: each Task is one bounded batch of work, run again at once while it
finds work and every `every` seconds when idle. Each package that has work after a commit adds
its one entry to `tasks()` (the relay, deliveries, the broker, automation, the scheduler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pesanan.bootstrap import Container
from pesanan.events import relay


@dataclass(frozen=True)
class Task:
    name: str
    # One bounded batch; returns how many items it handled (0 = nothing to do). Must be
    # idempotent: a batch cut by kill -9 runs again.
    run: Callable[[Container], int]
    every: float  # seconds between passes while idle


def tasks(container: Container) -> list[Task]:
    return [
        # Stamps committed events in commit order; every consumer reads only stamped events,
        # so this short interval is the floor of their latency.
        Task("events.relay", lambda c: relay.stamp_pending(c.engine), 0.1),
    ]
