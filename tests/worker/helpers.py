"""Test jobs: JobSpecs registered for one test (worker/handlers.py HANDLERS replaced), and a
handler that records when each run started and ended."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from pesanan.bootstrap import Container
from pesanan.jobs.models import scheduled_job
from pesanan.worker import handlers
from pesanan.worker.handlers import Handler, JobSpec


def only_jobs(monkeypatch: pytest.MonkeyPatch, *specs: JobSpec) -> None:
    """The worker knows exactly these jobs for this test (not the shop's real ones)."""
    monkeypatch.setattr(handlers, "HANDLERS", {s.name: s for s in specs})


def spec(name: str, handler: Handler, every: int = 3600, lease: int = 60,
         **params: Any) -> JobSpec:
    return JobSpec(name, handler, every, params, lease_seconds=lease)


def job_row(container: Container, name: str) -> dict[str, Any]:
    with container.engine.connect() as conn:
        return dict(conn.execute(select(scheduled_job).where(scheduled_job.c.name == name))
                    .mappings().one())


@dataclass
class Recorder:
    """A handler: sleeps `params["sleep"]` seconds and records (job, worker, start, end); the
    worker is told apart by its Container (each worker has its own)."""

    runs: list[tuple[str, str, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, name: str) -> Handler:
        def run(container: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
            start = time.monotonic()
            time.sleep(params.get("sleep", 0))
            end = time.monotonic()
            with self.lock:
                self.runs.append((name, f"container-{id(container)}", start, end))
            return {"slept": params.get("sleep", 0)}
        return run

    def of(self, name: str) -> list[tuple[str, str, float, float]]:
        return sorted((r for r in self.runs if r[0] == name), key=lambda r: r[2])
