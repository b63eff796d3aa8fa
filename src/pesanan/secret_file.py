"""A secret kept in a file that every worker process shares, made once by whichever starts
first.

`pesanan serve --workers N` starts the workers together, so several may find no file at the
same moment. O_CREAT|O_EXCL picks exactly one creator, and the file is created 0600 (never
readable by others, not even for the instant a write-then-chmod would leave open); the others
read the winner's key, waiting briefly if it is still being written."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# How long a loser waits for the winner to write its few bytes (fsync included).
WAIT_SECONDS = 5.0


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_written(path)
    value = make()
    try:
        data = value.encode()
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)  # so the file's name survives a power cut with its content
    return value


def _read_written(path: Path) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = path.read_text().strip()
        if value:
            return value
        if time.monotonic() > deadline:
            # The creator died between creating and writing it: say how to recover.
            raise RuntimeError(f"{path} is empty; delete it (a new key is made on start) or "
                               "set PESANAN_SECRET_KEY")
        time.sleep(0.02)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
