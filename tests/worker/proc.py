"""A real `pesanan worker` process whose only job is `test.slow`: each run appends
"start <pid> <time>" to the file named by PESANAN_TEST_JOB_LOG, sleeps `params["sleep"]`
seconds, then appends "end <pid> <time>". Run as `python -m tests.worker.proc [worker args]`."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from typing import Any

from pesanan.bootstrap import Container
from pesanan.worker import handlers
from pesanan.worker.handlers import JobSpec

LEASE = 6  # longer than a worker takes to start: the retry must wait for it


def _note(what: str) -> None:
    with open(os.environ["PESANAN_TEST_JOB_LOG"], "a") as f:
        f.write(f"{what} {os.getpid()} {time.time():.3f}\n")


def slow(container: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    _note("start")
    time.sleep(params["sleep"])
    _note("end")
    return {"pid": os.getpid()}


if __name__ == "__main__":
    handlers.HANDLERS.clear()
    handlers.HANDLERS["test.slow"] = JobSpec("test.slow", slow, 3600, {"sleep": 2.0},
                                             lease_seconds=LEASE)
    from pesanan.cli import app

    app(["worker", *sys.argv[1:]], prog_name="pesanan")
