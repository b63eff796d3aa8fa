"""Process logs: plain text for a terminal or one JSON object a line for a collector, each record
carrying the id of the request (or the name of the worker task) it was written for.

The id travels in context variables, not arguments: the middleware (telemetry/http.py) sets
it once per request, and every log call below it, in the event loop or in the thread a `def`
route runs in (anyio copies the context into it), finds it without being passed anything.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from pesanan.config import Settings

request_id: ContextVar[str | None] = ContextVar("pesanan_request_id", default=None)
task: ContextVar[str | None] = ContextVar("pesanan_task", default=None)

# What every LogRecord has; anything else on a record came in through `extra=` and is logged.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "request_id", "task", "taskName"}
TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class ContextFilter(logging.Filter):
    """Puts the current request id and task on the record (on the handler, so records
    propagated from any logger get them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or task.get() or "-"
        if not hasattr(record, "task"):
            record.task = task.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid and rid != "-" and rid != getattr(record, "task", None):
            out["request_id"] = rid
        name = getattr(record, "task", None)
        if name:
            out["task"] = name
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        # default=str: an extra that JSON cannot hold (a Decimal, a path) is still logged.
        return orjson.dumps(out, default=str).decode()


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT)


def configure(settings: Settings, stream: Any = None) -> logging.Handler:
    """Send this process's logs (ours, uvicorn's, libraries') to stderr in the configured
    format and level. Called once per process by its entrypoint (the server factory, the
    worker). Calling it again replaces only the handler it installed before, so a test's or a
    host's own handlers stay."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_pesanan", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._pesanan = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(settings.log_format))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # uvicorn's loggers write through the same handler, so its lines are JSON too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler


@contextmanager
def bound(*, task_name: str) -> Iterator[None]:
    """Tag the log records written inside (a worker task's batch) with the task's name."""
    token = task.set(task_name)
    try:
        yield
    finally:
        task.reset(token)
