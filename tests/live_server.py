"""A real `pesanan serve` on a free 127.0.0.1 port, for tests that drive it from outside (the
README's commands, schemathesis)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


@contextmanager
def serve(env: dict[str, str], port: int, cwd: Path, timeout: float = 30.0
          ) -> Iterator[subprocess.Popen[bytes]]:
    """Start `pesanan serve` with `env` (on top of os.environ) and wait for /healthz."""
    log = (cwd / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "pesanan"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n"
                                   + (cwd / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
