"""`pesanan serve --workers N` deals connections out in turn, serves on all of them, and stops
cleanly on SIGTERM (Linux: it reads /proc to see which worker holds which connection)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pesanan.db.migrate import upgrade


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers(pid: int) -> list[int]:
    """Child processes running a worker (not multiprocessing's resource tracker)."""
    kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [k for k in kids
            if b"resource_tracker" not in Path(f"/proc/{k}/cmdline").read_bytes()]


def _established_on(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is `port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":
            inodes.add(f[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = _free_port()
    cli = Path(sys.executable).parent / "pesanan"
    proc = subprocess.Popen([str(cli), "serve", "--port", str(port), "--workers", "2"],
                            env={**os.environ, "PESANAN_DATABASE_URL": url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def test_two_workers_get_the_connections_in_turn_and_stop_on_sigterm(
        server: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = server
    deadline = time.monotonic() + 30
    while True:  # the workers import the app; connections wait for them meanwhile
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
    try:
        assert [_get(c, "/healthz") for c in conns] == [200] * 8
        assert [_get(c, "/healthz") for c in conns] == [200] * 8  # kept alive, served again
        workers = _workers(proc.pid)
        assert len(workers) == 2
        live = _established_on(port)
        held = [len(_sockets_of(w) & live) for w in workers]
        assert held == [4, 4]
    finally:
        for c in conns:
            c.close()

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert all(not Path(f"/proc/{w}").exists() or "zombie" in Path(f"/proc/{w}/status")
               .read_text().lower() for w in workers)
