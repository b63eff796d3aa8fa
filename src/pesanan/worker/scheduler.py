"""The scheduler: runs the scheduled jobs (worker/handlers.py HANDLERS) when they are due.

Each call claims at most one due job (pesanan/jobs: one short transaction, one runner across
all workers), runs its handler outside that transaction while a heartbeat renews the lease,
and records the outcome under the claim's token. A handler that raises is a failed run: its
error is the run's detail and the next run comes on schedule; the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from types import TracebackType
from typing import Any

from pesanan.bootstrap import Container
from pesanan.core.errors import NotFound
from pesanan.db.tx import transact
from pesanan.jobs import service as jobs
from pesanan.worker import handlers

log = logging.getLogger("pesanan.jobs")


def sync(container: Container) -> int:
    """Give every job the code knows a row (defaults for new ones; operators' settings kept)."""
    specs = list(handlers.HANDLERS.values())
    return transact(container.engine, lambda conn: jobs.sync(conn, specs))


def run_due(container: Container) -> int:
    """Run one due job, if any: the worker task. Returns 1 when a job ran, else 0, so the
    loop comes back at once while jobs are due and waits its interval when none is."""
    specs = dict(handlers.HANDLERS)  # read per pass: tests register their own
    claim = jobs.claim_due(container.engine, specs,
                           lambda name: timedelta(seconds=specs[name].lease_seconds))
    if claim is None:
        return 0
    _run(container, specs[claim.name], claim)
    return 1


def run_now(container: Container, name: str) -> tuple[str, Any]:
    """Run job `name` at once in this process, through the same claim as the worker (so never
    beside a worker's run of it): (outcome, detail)."""
    spec = handlers.HANDLERS.get(name)
    if spec is None:
        known = ", ".join(sorted(handlers.HANDLERS)) or "none"
        raise NotFound(f"there is no scheduled job named {name!r} (jobs: {known})")
    sync(container)
    claim = jobs.claim_named(container.engine, name, timedelta(seconds=spec.lease_seconds))
    return _run(container, spec, claim)


def _run(container: Container, spec: handlers.JobSpec, claim: jobs.Claim) -> tuple[str, Any]:
    started = time.monotonic()
    detail: Any
    with _Heartbeat(container, claim):
        try:
            detail = spec.handler(container, claim.params, claim.started_at)
            outcome = "ok"
        except Exception as exc:  # the run failed; the worker does not
            log.exception("job %s failed", claim.name)
            outcome, detail = "failed", {"error": f"{type(exc).__name__}: {exc}"}
    if not jobs.finish(container.engine, claim, outcome, detail):
        log.warning("job %s: its lease was taken over; this run's outcome is not recorded",
                    claim.name)
    log.info("job %s: %s in %.2f s", claim.name, outcome, time.monotonic() - started)
    return outcome, detail


class _Heartbeat:
    """Renews the claim's lease every third of it while the handler runs, so a long run keeps
    its job and only a dead runner (no more renewals) lets another worker take it over."""

    def __init__(self, container: Container, claim: jobs.Claim) -> None:
        self.container, self.claim = container, claim
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease {claim.name}",
                                       daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.done.set()
        self.thread.join()

    def _beat(self) -> None:
        every = self.claim.lease.total_seconds() / 3
        while not self.done.wait(every):
            try:
                if not jobs.renew(self.container.engine, self.claim):
                    log.warning("job %s: lease lost while running", self.claim.name)
                    return
            except Exception:  # a database blip: the next beat tries again within the lease
                log.warning("job %s: lease renewal failed", self.claim.name, exc_info=True)
