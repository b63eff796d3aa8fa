"""`pesanan worker` and `pesanan jobs`: the worker process, and the scheduled jobs it runs
(list them, run one now, change one's schedule or parameters)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from pesanan.cli import console, container, err, run_command
from pesanan.core.errors import DomainError
from pesanan.jobs import queries, service
from pesanan.jobs.schemas import JobUpdate
from pesanan.worker import handlers, main, scheduler

app: typer.Typer = typer.Typer(help="Scheduled jobs (run by `pesanan worker`)",
                              no_args_is_help=True)


def worker(
    once: Annotated[bool, typer.Option(
        help="one pass of every task (every due job, every waiting event), then exit: "
             "for cron and tests")]
    = False,
) -> None:
    """Run the worker: the event relay, deliveries, the 3PL dispatch and the scheduled jobs,
    until SIGTERM or Ctrl-C (the batch in progress finishes first)."""
    from pesanan.config import get_settings
    from pesanan.telemetry import logs

    with container(main.worker_settings(get_settings())) as c:
        logs.configure(c.settings)
        handled = main.serve(c, once=once)
    if handled is not None and any(n < 0 for n in handled.values()):
        raise typer.Exit(1)  # --once and a task raised: cron should hear about it


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    # Linux: the kernel sends the worker SIGTERM if the server dies without stopping it
    # (kill -9), so no orphaned worker outlives `make run`.
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_worker() -> subprocess.Popen[bytes]:
    """`pesanan worker` as a child process of the server (`pesanan serve --with-worker`),
    with the same settings (environment); its logs go to the same terminal."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from pesanan.cli import app; app(prog_name='pesanan')",
         "worker"], preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    # uvicorn shuts down on SIGTERM, puts back the handler it found and raises the signal again
    # so the process ends by it: this handler stops the worker first, then lets it.
    def on_term(signum: int, frame: FrameType | None) -> None:
        stop_worker(child)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_term)
    return child


def stop_worker(child: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """SIGTERM (the worker finishes its batch and exits), then SIGKILL after `timeout`."""
    if child is None or child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        err.print(f"worker {child.pid} did not stop within {timeout:g} s: killed")
        child.kill()
        child.wait()


def _synced_jobs() -> list[dict[str, Any]]:
    with container() as c:
        scheduler.sync(c)  # jobs the code knows show before any worker has started
    listed: list[dict[str, Any]] = run_command(queries.list_jobs)["items"]
    return listed


def _every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _minute(stamp: str | None) -> str:  # 2026-12-01T23:41:07.123Z -> 2026-12-01 23:41:07Z
    return f"{stamp[:10]} {stamp[11:19]}Z" if stamp else ""


@app.command("list")
def list_() -> None:
    """Every scheduled job: enabled, interval, last run and its outcome, next run."""
    table = Table("name", "enabled", "every", "last run", "outcome", "next run")
    for j in _synced_jobs():
        outcome = j["last_outcome"] or ""
        if j["running"]:
            outcome = "running"
        table.add_row(j["name"], "yes" if j["enabled"] else "no", _every(j["every_seconds"]),
                      _minute(j["last_started_at"]), outcome, _minute(j["next_run_at"]))
    # Piped (not a terminal, where rich assumes 80 columns): wide enough that names stay whole.
    from rich.console import Console

    Console(width=None if console.is_terminal else 160).print(table)


@app.command("run")
def run(name: Annotated[str, typer.Argument(help="the job's name (jobs list)")]) -> None:
    """Run a job now in this process, through the same claim as the worker (never beside a
    worker's run of it); exit 1 when it fails."""
    with container() as c:
        try:
            outcome, detail = scheduler.run_now(c, name)
        except DomainError as e:
            err.print(f"[bold red]error[/]: {e.detail}")
            raise typer.Exit(1) from None
    text = orjson.dumps(detail, default=str).decode()
    if outcome != "ok":
        err.print(f"[bold red]{escape(name)} failed[/]:", escape(text), highlight=False)
        raise typer.Exit(1)
    console.print(f"{name}: ok", text, markup=False, highlight=False, soft_wrap=True)


def _param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        err.print(f"[bold red]error[/]: --param takes key=value, not {text!r}")
        raise typer.Exit(2)
    try:  # 24 -> a number, true -> a boolean, ["a"] -> a list; anything else is text
        value: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = raw
    return key.strip(), value


@app.command("set")
def set_(
    name: Annotated[str, typer.Argument(help="the job's name (jobs list)")],
    every: Annotated[int | None, typer.Option(help="seconds between runs")] = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable",
                                                help="run it on schedule or not")] = None,
    param: Annotated[list[str] | None, typer.Option(
        help="key=value (repeat); the value is JSON when it parses, else text")] = None,
) -> None:
    """Change a job's interval, enable or disable it, or set its parameters."""
    params = dict(_param(p) for p in param or [])
    try:
        cmd = JobUpdate(every_seconds=every, enabled=enable, params=params or None)
    except ValidationError as e:
        for problem in e.errors():
            field = ".".join(str(x) for x in problem["loc"]) or "input"
            err.print(f"[bold red]error[/]: {field}: {problem['msg']}")
        raise typer.Exit(2) from None
    _synced_jobs()
    spec = handlers.HANDLERS.get(name)
    validate = spec.validate if spec else None
    job = run_command(lambda conn: service.update_job(conn, name, cmd, validate))
    console.print(f"{job['name']}: {'enabled' if job['enabled'] else 'disabled'}, every "
                  f"{_every(job['every_seconds'])}, next run {_minute(job['next_run_at'])}, "
                  f"params {orjson.dumps(job['params']).decode()}",
                  markup=False, highlight=False, soft_wrap=True)
