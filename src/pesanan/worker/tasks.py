"""What the worker runs: each Task is one bounded batch of work, run again at once while it
finds work and every `every` seconds when idle. Each package that has work after a commit adds
its one entry to `tasks()` (the relay, deliveries, the broker, automation, the scheduler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pesanan.bootstrap import Container


@dataclass(frozen=True)
class Task:
    name: str
    # One bounded batch; returns how many items it handled (0 = nothing to do). Must be
    # idempotent: a batch cut by kill -9 runs again.
    run: Callable[[Container], int]
    every: float  # seconds between passes while idle


def tasks(container: Container) -> list[Task]:
    return []
