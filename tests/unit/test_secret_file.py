"""The console's secret key file: made once, private from the first byte, one key for every
process that starts at the same moment."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import time
from pathlib import Path

from pesanan.config import Settings


def _secret_of(path: str, start: object, out: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    out.put(Settings(secret_file=path).session_secret())  # type: ignore[attr-defined]


def test_the_secret_file_is_created_readable_by_its_owner_alone(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret.key"
    old = os.umask(0)  # a permissive umask must not widen the file
    try:
        key = Settings(secret_file=str(path)).session_secret()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64
    assert path.read_text() == key


def test_an_existing_secret_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("the-shop-secret\n")
    assert Settings(secret_file=str(path)).session_secret() == "the-shop-secret"
    assert path.read_text() == "the-shop-secret\n"


def test_a_file_still_being_written_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.touch(mode=0o600)  # another worker has created it and not yet written its key

    def finish() -> None:
        time.sleep(0.2)
        path.write_text("written-by-the-winner")

    writer = threading.Thread(target=finish)
    writer.start()
    try:
        assert Settings(secret_file=str(path)).session_secret() == "written-by-the-winner"
    finally:
        writer.join()


def test_workers_starting_together_all_get_the_same_key(tmp_path: Path) -> None:
    path = str(tmp_path / "var" / "secret.key")
    ctx = multiprocessing.get_context("fork")
    for attempt in range(20):  # each round races 8 fresh processes on a missing file
        if os.path.exists(path):
            os.unlink(path)
        start, out = ctx.Event(), ctx.Queue()
        workers = [ctx.Process(target=_secret_of, args=(path, start, out)) for _ in range(8)]
        for w in workers:
            w.start()
        start.set()
        keys = [out.get(timeout=20) for _ in workers]
        for w in workers:
            w.join(timeout=20)
        assert len(set(keys)) == 1, f"round {attempt}: {len(set(keys))} different keys"
        assert keys[0] == Path(path).read_text()
