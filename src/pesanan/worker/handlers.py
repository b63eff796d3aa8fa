"""The scheduled jobs' handlers, by job name, with their default schedule and parameters.
The scheduler (pesanan/jobs, worker/scheduler) claims a due job and calls its handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pesanan.bootstrap import Container

# handler(container, params, at) -> outcome detail (JSON-able); raising = the run failed.
Handler = Callable[[Container, dict[str, Any], datetime], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    handler: Handler
    every_seconds: int
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    enabled: bool = True
    # How long a claim holds the job without a word from its runner. The runner renews it
    # while the handler works (worker/scheduler.py), so this bounds only how soon a run cut by
    # kill -9 is retried, not how long a run may take.
    lease_seconds: int = 60


HANDLERS: dict[str, JobSpec] = {}
