"""`pesanan serve --workers 2`: each request is timed in the worker that served it, and a scrape
of either worker reports all of them (prometheus_client multiprocess mode), and the JSON log
lines of the workers carry request ids."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson

from pesanan.db.migrate import upgrade
from tests.live_server import free_port
from tests.telemetry.helpers import value

CLI = Path(sys.executable).parent / "pesanan"
COUNT = "pesanan_http_request_duration_seconds_count"


def _get(port: int, path: str) -> tuple[int, str, str]:
    """One request on a connection of its own: the parent deals connections out in turn."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(), resp.getheader("x-request-id") or ""
    finally:
        conn.close()


def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(port, "/readyz")[0] == 200:
                return
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)


def test_a_scrape_of_any_worker_counts_the_requests_of_both(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    env = {**os.environ, "PESANAN_DATABASE_URL": url, "PESANAN_LOG_FORMAT": "json",
           "PESANAN_LOG_REQUESTS": "true",
           "PESANAN_SECRET_FILE": str(tmp_path / "secret.key")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([str(CLI), "serve", "--port", str(port), "--workers", "2"],
                            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_up(port, proc)
        served = [_get(port, "/healthz") for _ in range(10)]
        assert [s for s, _, _ in served] == [200] * 10
        # Two scrapes on two connections: one lands on each worker, and both see all ten.
        scrapes = [_get(port, "/metrics")[1] for _ in range(2)]
        counts = [value(text, COUNT, route="/healthz", method="GET", status="2xx")
                  for text in scrapes]
        assert counts == [10, 10]
        ids = {rid for _, _, rid in served}
        assert len(ids) == 10
        # The ids come from two processes (a per-process prefix before the counter).
        assert len({rid.rsplit("-", 1)[0] for rid in ids}) == 2
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    lines = [orjson.loads(line) for line in (tmp_path / "server.log").read_bytes().splitlines()
             if line.startswith(b"{")]
    logged = {r["request_id"] for r in lines
              if r["logger"] == "pesanan.access" and r["route"] == "/healthz"}
    assert logged == ids
