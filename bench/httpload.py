"""Load-generation helpers for place_orders.py: a light HTTP/1.1 client, and CPU accounting
(machine-wide and per process) so a run on a shared machine can say what one order costs."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

Send = Callable[[bytes, dict[str, str]], Awaitable[int]]


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams, for the timed loop.

    httpx costs ~3.4 ms of client CPU per request; on a 2-core machine that shares its CPUs with
    the server, that is CPU the server does not get. This costs a fraction of that, so the
    figures say more about the server. It speaks just enough HTTP for uvicorn's answers."""

    def __init__(self, url: str, key: str, content_type: str = "application/json") -> None:
        """`key` "" sends no Authorization header of its own (pass one per request)."""
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        auth = f"Authorization: Bearer {key}\r\n" if key else ""
        self.head = (f"Host: {self.host}:{self.port}\r\n{auth}"
                     f"Content-Type: {content_type}\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        return await self.request("POST", path, body, headers)

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]
                      ) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        self.writer.write(method.encode() + b" " + path.encode() + b" HTTP/1.1\r\n" + self.head
                          + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                          + body)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def raw_sender(url: str, key: str) -> tuple[Send, Callable[[], None]]:
    conn = RawConnection(url, key)

    async def send(body: bytes, headers: dict[str, str]) -> int:
        try:
            return await conn.post("/api/v1/orders", body, headers)
        except BaseException:
            conn.close()  # a half-read answer would poison the next request
            raise

    return send, conn.close


def httpx_sender(client: httpx.AsyncClient) -> tuple[Send, Callable[[], None]]:
    async def send(body: bytes, headers: dict[str, str]) -> int:
        resp = await client.post("/api/v1/orders", content=body,
                                 headers={"Content-Type": "application/json", **headers})
        return resp.status_code

    return send, lambda: None


def cpu_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of the whole machine, to show how loaded it was (Linux only)."""
    try:
        with open("/proc/stat") as f:
            ticks = [float(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return sum(ticks) - idle, sum(ticks)


CpuSample = dict[str, dict[int, float]]


def process_cpu(server_pid: int | None, db_tag: str | None) -> CpuSample:
    """CPU seconds so far, per process, of the server (the pid and its descendants), of the
    PostgreSQL backends whose title names `db_tag` (the bench database), and of this client.
    Linux only; it lets a run on a shared machine say what one order costs, whatever else ran."""
    out: CpuSample = {"client": {0: time.process_time()}}
    if server_pid is None and db_tag is None:
        return out
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    title: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title[int(entry)] = f.read().decode(errors="replace")
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    if server_pid is not None:
        tree = {server_pid}
        for _ in range(4):  # uvicorn's supervisor, its workers, their multiprocessing helpers
            tree |= {p for p, pp in parent.items() if pp in tree}
        out["server"] = {p: cpu[p] for p in tree if p in cpu}
    if db_tag is not None:
        # Backend titles read "postgres: 15/main: <user> <database> <client> <state>".
        out["postgres"] = {p: c for p, c in cpu.items()
                           if title[p].startswith("postgres:") and f" {db_tag} " in title[p]}
    return out


def cpu_used(before: CpuSample, after: CpuSample) -> dict[str, float]:
    """CPU seconds each party used between two samples. A process that exited in between is
    left out (a pool closing an overflow connection), so this errs low, never negative."""
    return {party: sum(t - before[party].get(pid, 0.0) for pid, t in now.items())
            for party, now in after.items() if party in before}
