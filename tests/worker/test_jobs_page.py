"""Console "Jobs" (admin settings): the schedule with last run, outcome and next run; enable,
disable, change the interval, run now; bad input shown beside the field, nothing changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from pesanan.worker import scheduler
from tests.dbs import snapshot
from tests.web.helpers import login
from tests.worker.helpers import Recorder, job_row, only_jobs, spec


@pytest.fixture
def two_jobs(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
        raise RuntimeError("no route to the ERP")

    only_jobs(monkeypatch, spec("test.purge", Recorder().handler("test.purge"), every=3600),
              spec("test.erp", broken, every=86400))
    scheduler.run_now(container, "test.erp")


def _row(html: str, name: str) -> str:
    return html.split(f'id="job-{name}"')[1].split("</tr>")[0]


def test_an_admin_sees_each_jobs_last_run_outcome_and_next_run(
        client: TestClient, container: Container, two_jobs: None) -> None:
    login(client, container, "admin")
    page = client.get("/jobs")

    assert page.status_code == 200
    assert '<a href="/jobs" aria-current="page">Jobs</a>' in page.text
    erp = _row(page.text, "test.erp")
    assert "s-failed" in erp and "RuntimeError: no route to the ERP" in erp
    assert "1 / 1" in erp  # runs / failed
    assert 'value="86400"' in erp
    purge = _row(page.text, "test.purge")
    assert "never run" in purge and "0 / 0" in purge
    assert 'action="/jobs/test.purge/run"' in purge and 'action="/jobs/test.purge/disable"' in purge


def test_disable_enable_interval_and_run_now_from_the_page(
        client: TestClient, container: Container, two_jobs: None) -> None:
    csrf = login(client, container, "admin")

    off = client.post("/jobs/test.purge/disable", data={"csrf_token": csrf},
                      follow_redirects=False)
    assert (off.status_code, off.headers["location"]) == (303, "/jobs?done=disabled")
    assert job_row(container, "test.purge")["enabled"] is False
    page = client.get("/jobs?done=disabled").text
    assert 'action="/jobs/test.purge/enable"' in _row(page, "test.purge")

    client.post("/jobs/test.purge/enable", data={"csrf_token": csrf})
    saved = client.post("/jobs/test.purge/every", data={"every_seconds": "900",
                                                        "csrf_token": csrf},
                        follow_redirects=False)
    assert saved.status_code == 303
    row = job_row(container, "test.purge")
    assert (row["enabled"], row["every_seconds"]) == (True, 900)

    queued = client.post("/jobs/test.purge/run", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert queued.headers["location"] == "/jobs?done=queued"
    assert job_row(container, "test.purge")["next_run_at"] <= datetime.now().astimezone()
    assert scheduler.run_due(container) == 1  # the worker's next pass runs it


@pytest.mark.parametrize("typed", ["0", "ten", "²", "99999999999"])
def test_a_bad_interval_is_shown_beside_the_field_and_changes_nothing(
        client: TestClient, container: Container, two_jobs: None, typed: str) -> None:
    csrf = login(client, container, "admin")
    before = snapshot(container.engine)

    resp = client.post("/jobs/test.purge/every", data={"every_seconds": typed,
                                                       "csrf_token": csrf})

    assert resp.status_code == 422
    assert 'id="every_seconds-error"' in _row(resp.text, "test.purge")
    assert snapshot(container.engine) == before


def test_other_roles_neither_see_nor_change_the_jobs(
        client: TestClient, container: Container, two_jobs: None) -> None:
    for role in ("clerk", "warehouse", "accountant"):
        csrf = login(client, container, role)
        before = snapshot(container.engine)
        assert '<a href="/jobs"' not in client.get("/").text
        assert client.get("/jobs").status_code == 403
        assert client.post("/jobs/test.purge/disable",
                           data={"csrf_token": csrf}).status_code == 403
        assert snapshot(container.engine) == before


def test_a_jobs_page_shows_its_parameters_and_latest_runs(
        client: TestClient, container: Container, two_jobs: None) -> None:
    scheduler.run_now(container, "test.erp")
    login(client, container, "admin")
    assert 'href="/jobs/test.erp"' in client.get("/jobs").text

    page = client.get("/jobs/test.erp")

    assert page.status_code == 200
    runs = page.text.split('id="job-runs"')[1]
    assert runs.count("s-failed") == 2
    assert "RuntimeError: no route to the ERP" in runs
    assert "takes no parameters" in page.text
    missing = client.get("/jobs/test.nope")
    assert missing.status_code == 404 and "no scheduled job named" in missing.text
