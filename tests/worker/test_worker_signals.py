"""Real `pesanan worker` processes: SIGTERM while a job runs lets the job finish (its outcome
recorded) and the process exit 0; kill -9 mid-job leaves the job to be run again by the next
worker once its lease has run out, and the killed run is never recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.db.tx import transact
from pesanan.jobs import service as jobs
from pesanan.jobs.models import job_run
from pesanan.jobs.schemas import JobUpdate
from tests.worker import proc
from tests.worker.helpers import job_row

ROOT = Path(__file__).resolve().parents[2]


def _start(container: Container, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PESANAN_DATABASE_URL": container.settings.database_url,
           "PESANAN_TEST_JOB_LOG": str(log)}
    return subprocess.Popen([sys.executable, "-m", "tests.worker.proc"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def _wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _runs_recorded(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(job_run)).scalar_one())


def test_sigterm_finishes_the_running_job_then_the_worker_exits_0(
        container: Container, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    worker = _start(container, log)
    try:
        _wait_for(lambda: _lines(log))
        worker.send_signal(signal.SIGTERM)  # mid-run: the job sleeps 2 s
        out, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()

    assert worker.returncode == 0, out
    assert [x[0] for x in _lines(log)] == ["start", "end"]
    row = job_row(container, "test.slow")
    assert (row["runs"], row["last_outcome"], row["lease_token"]) == (1, "ok", None)
    assert "SIGTERM: finishing the batch in progress" in out
    assert "stopped" in out.splitlines()[-1]


def test_a_job_cut_by_kill_9_runs_again_on_the_next_worker_after_its_lease(
        container: Container, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    first = _start(container, log)
    try:
        _wait_for(lambda: _lines(log))
        first.kill()  # SIGKILL mid-run: no outcome, no lease released
        first.wait(10)
    finally:
        first.kill()
    killed_at = time.time()
    started = float(_lines(log)[0][2])
    # The operator makes the retry quick; the row still holds the dead run's lease.
    transact(container.engine, lambda c: jobs.update_job(c, "test.slow",
                                                         JobUpdate(params={"sleep": 0.1})))
    assert job_row(container, "test.slow")["lease_token"] is not None

    second = _start(container, log)
    try:
        _wait_for(lambda: job_row(container, "test.slow")["runs"] == 1)
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=30)
    finally:
        second.kill()

    lines = _lines(log)
    assert [x[0] for x in lines] == ["start", "start", "end"]
    assert lines[1][1] == lines[2][1] == str(second.pid)
    # Retried only when the dead run's lease had run out, not while it might still be alive.
    assert float(lines[1][2]) >= started + proc.LEASE - 0.5
    assert float(lines[1][2]) >= killed_at - 0.5
    row = job_row(container, "test.slow")
    assert (row["runs"], row["last_outcome"]) == (1, "ok")
    assert row["last_detail"] == f'{{"pid":{second.pid}}}'
    assert _runs_recorded(container) == 1  # the killed run left no outcome
    assert second.returncode == 0, out
