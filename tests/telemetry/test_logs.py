"""Logs: one JSON object a line when log_format is json, each carrying the request id the
response returned as X-Request-ID (also from code running in a route's worker thread); a
worker task's records carry its name."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from pesanan.app import create_app
from pesanan.bootstrap import Container
from pesanan.config import Settings
from pesanan.telemetry import logs


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure(Settings(log_format="json", log_level="info"), stream=out)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def logging_requests(container: Container, monkeypatch: pytest.MonkeyPatch) -> Container:
    monkeypatch.setattr(container, "settings",
                        container.settings.model_copy(update={"log_requests": True}))
    return container


def _app_that_logs_in_a_thread(container: Container) -> TestClient:
    app = create_app(container)

    def probe() -> dict[str, str]:  # a `def` route: runs in a worker thread
        logging.getLogger("pesanan.test").warning("inside the route", extra={"sku": "KOPI-1"})
        return {}

    app.add_api_route("/test-only/log", probe)
    return TestClient(app, raise_server_exceptions=False)


def test_every_line_for_a_request_carries_the_id_returned_in_x_request_id(
        logging_requests: Container, lines: io.StringIO) -> None:
    with _app_that_logs_in_a_thread(logging_requests) as client:
        first = client.get("/test-only/log")
        second = client.get("/test-only/log")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1]
    records = _records(lines)
    inside = [r for r in records if r["message"] == "inside the route"]
    assert [r["request_id"] for r in inside] == ids
    assert inside[0]["level"] == "warning" and inside[0]["logger"] == "pesanan.test"
    assert inside[0]["sku"] == "KOPI-1"  # extras are fields of their own
    assert str(inside[0]["ts"]).endswith("Z")
    access = [r for r in records if r["logger"] == "pesanan.access"]
    assert [(r["request_id"], r["route"], r["status"]) for r in access] == [
        (ids[0], "/test-only/log", 200), (ids[1], "/test-only/log", 200)]


def test_a_500_carries_the_id_in_its_header_body_and_log_line(
        container: Container, lines: io.StringIO) -> None:
    app = create_app(container)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/test-only/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/test-only/broken")
    assert resp.status_code == 500
    rid = resp.headers["x-request-id"]
    assert f"request {rid} failed" in resp.json()["detail"]
    (logged,) = [r for r in _records(lines) if r["logger"] == "pesanan"]
    assert logged["request_id"] == rid and "RuntimeError: a bug" in str(logged["exc"])


def test_an_id_from_the_load_balancer_is_kept_and_a_malformed_one_replaced(
        logging_requests: Container, lines: io.StringIO) -> None:
    with TestClient(create_app(logging_requests)) as client:
        kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:0001"})
        replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert kept.headers["x-request-id"] == "lb-7f3a:0001"
    assert replaced.headers["x-request-id"] not in ("", "bad id\twith spaces")
    logged = [r["request_id"] for r in _records(lines) if r["logger"] == "pesanan.access"]
    assert logged == ["lb-7f3a:0001", replaced.headers["x-request-id"]]


def test_without_log_requests_no_line_per_request_but_the_others_keep_the_id(
        container: Container, lines: io.StringIO) -> None:
    assert container.settings.log_requests is False  # the default
    with _app_that_logs_in_a_thread(container) as client:
        resp = client.get("/test-only/log")
    records = [r for r in _records(lines) if str(r["logger"]).startswith("pesanan")]
    assert [r["logger"] for r in records] == ["pesanan.test"]  # httpx (the client) logs too
    assert records[0]["request_id"] == resp.headers["x-request-id"]


def test_a_worker_tasks_lines_carry_its_name_and_no_request_id(lines: io.StringIO) -> None:
    with logs.bound(task_name="events.relay"):
        logging.getLogger("pesanan.worker").info("stamped %d", 3)
    logging.getLogger("pesanan.worker").info("idle")
    tagged, untagged = _records(lines)
    assert tagged["task"] == "events.relay" and tagged["message"] == "stamped 3"
    assert "request_id" not in tagged
    assert "task" not in untagged


def test_configuring_twice_keeps_one_handler_of_ours_and_the_others(
        lines: io.StringIO) -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    try:
        again = logs.configure(Settings(log_format="text", log_level="warning"),
                               stream=io.StringIO())
        ours = [h for h in root.handlers if getattr(h, "_pesanan", False)]
        assert ours == [again] and foreign in root.handlers
        assert root.level == logging.WARNING
    finally:
        root.removeHandler(foreign)
        root.removeHandler(again)


def test_the_text_format_names_the_request_too(lines: io.StringIO) -> None:
    out = io.StringIO()
    handler = logs.configure(Settings(log_format="text"), stream=out)
    try:
        token = logs.request_id.set("abc-1")
        logging.getLogger("pesanan.test").warning("hello")
        logs.request_id.reset(token)
    finally:
        logging.getLogger().removeHandler(handler)
    assert out.getvalue().rstrip().endswith("WARNING pesanan.test [abc-1] hello")
