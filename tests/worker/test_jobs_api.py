"""Jobs over the API: GET /jobs and /jobs/{name} (settings:read), PATCH /jobs/{name} and
POST /jobs/{name}/run (settings:write). Bad input -> 422 problem+json naming the field, and
nothing changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from pesanan.bootstrap import Container
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.worker import scheduler
from tests.dbs import snapshot
from tests.factories import Api
from tests.worker.helpers import Recorder, job_row, only_jobs, spec


@pytest.fixture
def rec(container: Container, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    def broken(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
        raise RuntimeError("ERP said no")

    r = Recorder()
    only_jobs(monkeypatch, spec("test.purge", r.handler("test.purge"), every=3600, hours=24),
              spec("test.erp", broken, every=86400))
    scheduler.run_now(container, "test.erp")
    return r


def _patch(api: Api, name: str, body: Any, role: str = "admin") -> Any:
    return api.client.patch(f"/api/v1/jobs/{name}", json=body, headers=api.headers(role))


def test_an_admin_lists_the_jobs_with_last_and_next_run(api: Api, rec: Recorder) -> None:
    items = api.ok(api.get("/jobs"))["items"]

    assert [j["name"] for j in items] == ["test.erp", "test.purge"]
    erp = items[0]
    assert (erp["enabled"], erp["every_seconds"], erp["last_outcome"]) == (True, 86400, "failed")
    assert erp["last_detail"] == {"error": "RuntimeError: ERP said no"}
    assert (erp["runs"], erp["failures"], erp["running"]) == (1, 1, False)
    assert erp["last_started_at"].endswith("Z") and erp["next_run_at"].endswith("Z")
    one = api.ok(api.get("/jobs/test.erp"))
    assert [r["outcome"] for r in one["recent_runs"]] == ["failed"]


def test_patch_changes_only_the_fields_given(
        api: Api, rec: Recorder, container: Container) -> None:
    job = api.ok(_patch(api, "test.purge", {"every_seconds": 600, "params": {"hours": 48}}))

    assert (job["every_seconds"], job["params"], job["enabled"]) == (600, {"hours": 48}, True)
    row = job_row(container, "test.purge")
    assert (row["every_seconds"], row["params"], row["enabled"]) == (600, {"hours": 48}, True)
    api.ok(_patch(api, "test.purge", {"enabled": False}))
    assert job_row(container, "test.purge")["every_seconds"] == 600


def test_run_queues_the_job_for_the_next_worker_pass(
        api: Api, rec: Recorder, container: Container) -> None:
    while scheduler.run_due(container):  # both ran: next due in an hour and in a day
        pass
    assert len(rec.runs) == 1

    job = api.ok(api.post("/jobs/test.purge/run"))

    assert datetime.fromisoformat(job["next_run_at"]) <= datetime.now(UTC)
    assert scheduler.run_due(container) == 1
    assert len(rec.runs) == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"every_seconds": 0}, "every_seconds"),
    ({"every_seconds": "60"}, "every_seconds"),  # a JSON integer, not a string
    ({"every_seconds": True}, "every_seconds"),
    ({"every_seconds": 10**9}, "every_seconds"),
    ({"enabled": "maybe"}, "enabled"),
    ({"params": {"days": 2}}, "params.days"),
    ({"params": {"hours": "soon"}}, "params.hours"),
    ({"owner": "me"}, "owner"),
])
def test_bad_input_is_422_naming_the_field_and_nothing_changes(
        api: Api, rec: Recorder, container: Container, body: dict[str, Any], field: str) -> None:
    api.key("admin")
    before = snapshot(container.engine)

    resp = _patch(api, "test.purge", body)

    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "/problems/validation-error"
    assert field in [e["field"] for e in problem["errors"]]
    assert snapshot(container.engine) == before


def test_unknown_disabled_and_forbidden(api: Api, rec: Recorder, container: Container) -> None:
    assert _patch(api, "test.nope", {"enabled": False}).status_code == 404
    assert api.post("/jobs/test.nope/run").status_code == 404
    api.ok(_patch(api, "test.purge", {"enabled": False}))
    refused = api.post("/jobs/test.purge/run")
    assert refused.status_code == 409 and "disabled" in refused.json()["detail"]
    roles = ("clerk", "warehouse", "accountant")
    for role in roles:
        api.key(role)
    before = snapshot(container.engine)
    for role in roles:
        assert api.get("/jobs", role=role).status_code == 403
        assert _patch(api, "test.purge", {"enabled": True}, role=role).status_code == 403
        assert api.post("/jobs/test.purge/run", role=role).status_code == 403
    assert snapshot(container.engine) == before


def test_patch_checks_params_with_the_jobs_own_rules(
        api: Api, container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    def at_least_a_day(params: dict[str, Any]) -> dict[str, Any]:
        if params["hours"] < 24:
            raise ValidationFailed("test.purge params: hours: must be at least 24", [
                FieldError("params.hours", "invalid", "hours: must be at least 24")])
        return params

    only_jobs(monkeypatch, replace(spec("test.purge", Recorder().handler("test.purge"),
                                        hours=24), validate=at_least_a_day))
    scheduler.sync(container)
    api.key("admin")
    before = snapshot(container.engine)

    refused = _patch(api, "test.purge", {"params": {"hours": 1}})

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "params.hours", "code": "invalid",
                                         "message": "hours: must be at least 24"}]
    assert snapshot(container.engine) == before
    assert api.ok(_patch(api, "test.purge", {"params": {"hours": 48}}))["params"] == {
        "hours": 48}
