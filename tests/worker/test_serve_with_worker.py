"""`pesanan serve --with-worker` (what `make run` runs): the worker starts as the server's child
and is gone when the server stops — by SIGTERM (it finishes its batch, logs its stop) and even
when the server is killed -9 (the kernel tells it, Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pesanan.bootstrap import Container
from tests.live_server import BIN, _healthy, free_port


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in found.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its dead parent's reaper) counts as gone.
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return bool(stat) and stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@contextmanager
def _server(url: str, tmp: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port, log = free_port(), tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "pesanan"), "serve", "--port", str(port), "--with-worker"],
            env={**os.environ, "PESANAN_DATABASE_URL": url,
                 "PESANAN_SECRET_FILE": str(tmp / "secret.key")},
            stdout=out, stderr=subprocess.STDOUT)
        try:
            assert _wait(lambda: _healthy(port) or proc.poll() is not None, 60), "no server"
            assert proc.poll() is None, log.read_text()
            assert _wait(lambda: "starting:" in log.read_text(), 30), log.read_text()
            (worker,) = _children(proc.pid)
            yield proc, worker, log
        finally:
            proc.kill()
            proc.wait()


@pytest.fixture
def sqlite_url(containers: dict[str, Container]) -> str:
    # Process lifecycle, not SQL: one database is enough (the worker tests run on both).
    return next(c for b, c in containers.items() if b == "sqlite"
                or b == sorted(containers)[0]).settings.database_url


def test_sigterm_to_the_server_stops_its_worker_too(sqlite_url: str, tmp_path: Path) -> None:
    with _server(sqlite_url, tmp_path) as (server, worker, log):
        assert f"worker {worker} starting" in log.read_text()
        server.send_signal(signal.SIGTERM)
        # uvicorn ends the process by the signal it got, after its shutdown; by then the
        # server has stopped its worker and waited for it.
        assert server.wait(30) == -signal.SIGTERM
        assert not _alive(worker)
        assert f"worker {worker} stopped" in log.read_text()


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_does_not_outlive_a_server_killed_9(sqlite_url: str, tmp_path: Path) -> None:
    with _server(sqlite_url, tmp_path) as (server, worker, log):
        server.kill()
        server.wait()
        assert _wait(lambda: not _alive(worker), 10), "orphaned worker"
        assert f"worker {worker} stopped" in log.read_text()  # it stopped cleanly (SIGTERM)
