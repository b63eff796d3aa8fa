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


HANDLERS: dict[str, JobSpec] = {}
