"""`pesanan jobs list|run|set` and `pesanan worker --once` against the test databases: bad
input exits non-zero with a sentence and changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from pesanan.cli import app
from pesanan.config import get_settings
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.worker import main
from pesanan.worker.tasks import Task
from tests.dbs import snapshot
from tests.worker.helpers import Recorder, job_row, only_jobs, spec

Cli = Callable[..., Result]


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


@pytest.fixture
def rec(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    def broken(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
        raise RuntimeError("ERP said no")

    def at_least_a_day(params: dict[str, Any]) -> dict[str, Any]:
        if params["hours"] < 24:
            raise ValidationFailed("test.purge params: hours: must be at least 24", [
                FieldError("params.hours", "invalid", "hours: must be at least 24")])
        return params

    r = Recorder()
    only_jobs(monkeypatch, replace(spec("test.purge", r.handler("test.purge"), every=3600,
                                        hours=24), validate=at_least_a_day),
              spec("test.erp", broken, every=86400))
    return r


def test_jobs_list_shows_every_job_with_its_schedule(cli: Cli, rec: Recorder) -> None:
    assert cli("jobs", "run", "test.erp").exit_code == 1

    result = cli("jobs", "list")

    assert result.exit_code == 0, result.output
    erp = next(line for line in result.stdout.splitlines() if "test.erp" in line)
    assert "yes" in erp and "1 d" in erp and "failed" in erp
    purge = next(line for line in result.stdout.splitlines() if "test.purge" in line)
    assert "1 h" in purge and "failed" not in purge


def test_jobs_run_runs_it_now_and_says_how_it_went(
        cli: Cli, rec: Recorder, container: Container) -> None:
    ok = cli("jobs", "run", "test.purge")
    assert ok.exit_code == 0, ok.output
    assert 'test.purge: ok {"slept":0}' in ok.stdout
    assert len(rec.runs) == 1

    failed = cli("jobs", "run", "test.erp")
    assert failed.exit_code == 1
    assert "RuntimeError: ERP said no" in failed.output
    assert job_row(container, "test.erp")["failures"] == 1


def test_jobs_set_changes_the_interval_the_switch_and_parameters(
        cli: Cli, rec: Recorder, container: Container) -> None:
    result = cli("jobs", "set", "test.purge", "--every", "600", "--disable",
                 "--param", "hours=48")

    assert result.exit_code == 0, result.output
    assert "test.purge: disabled, every 10 min" in result.stdout
    row = job_row(container, "test.purge")
    assert (row["enabled"], row["every_seconds"], row["params"]) == (False, 600, {"hours": 48})


@pytest.mark.parametrize(("args", "code", "says"), [
    (("run", "test.nope"), 1, "no scheduled job named 'test.nope'"),
    (("set", "test.nope", "--every", "60"), 1, "no scheduled job named 'test.nope'"),
    (("set", "test.purge", "--every", "0"), 2, "every_seconds"),
    (("set", "test.purge", "--every", "99999999"), 2, "every_seconds"),
    (("set", "test.purge", "--param", "hours=soon"), 2, "must be a number"),
    (("set", "test.purge", "--param", "days=2"), 2, "no parameter 'days'"),
    (("set", "test.purge", "--param", "hours"), 2, "key=value"),
    (("set", "test.purge", "--param", "hours=1"), 2, "hours: must be at least 24"),
])
def test_bad_input_exits_with_a_sentence_and_changes_nothing(
        cli: Cli, rec: Recorder, container: Container, args: tuple[str, ...], code: int,
        says: str) -> None:
    cli("jobs", "list")  # the rows exist
    before = snapshot(container.engine)

    result = cli("jobs", *args)

    assert result.exit_code == code, result.output
    assert says in " ".join(result.output.split())
    assert snapshot(container.engine) == before
    assert rec.runs == []


def test_worker_once_runs_every_due_job_once_and_exits(
        cli: Cli, rec: Recorder, container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    from pesanan.worker import scheduler

    monkeypatch.setattr(main, "tasks", lambda c: [Task("scheduler", scheduler.run_due, 1.0)])

    result = cli("worker", "--once")

    assert result.exit_code == 0, result.output  # a failed job is its row's, not the worker's
    assert [r[0] for r in rec.runs] == ["test.purge"]
    assert job_row(container, "test.purge")["runs"] == 1
    assert job_row(container, "test.erp")["failures"] == 1
