"""Schemathesis against a live `pesanan serve`, once per database: generated requests (valid
and invalid) on every documented operation, with an admin key, on a fresh migrated database.

Checked: no 5xx; every status, content type, header and body is one the OpenAPI document
declares for that operation. Bounded and seeded so it is repeatable and takes a minute or two
per database on 2 cores: the coverage phase (boundary and invalid values derived from each
schema) plus a few random examples per operation.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import dbs
from tests.live_server import BIN, free_port, serve

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])
# Operations left out while a bug schemathesis found is being fixed elsewhere, with the
# reproducer; the test must come back to all 106 operations (see the assertion at the end).
KNOWN_FAILURES: dict[str, str] = {}  # operation id -> the bug and its reproducer
EXAMPLES = int(os.environ.get("PESANAN_SCHEMATHESIS_EXAMPLES", "5"))
SEED = 20261201


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (not the suite's shared one): the run leaves what it created."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'st.db'}"
        dbs.upgrade(url)
        yield url
        return
    name = f"pesanan_st_{os.getpid()}"
    url = dbs.create_postgres(name)
    try:
        yield url
    finally:
        dbs.drop_postgres(name)


def _admin_key(env: dict[str, str]) -> str:
    out = subprocess.run([str(BIN / "pesanan"), "apikey", "create", "--role", "admin"],
                         env={**os.environ, **env}, check=True, capture_output=True,
                         text=True, timeout=120)
    return out.stdout.strip().splitlines()[-1]


def test_schemathesis_finds_no_server_error_and_nothing_undocumented(
        database_url: str, tmp_path: Path) -> None:
    env = {"PESANAN_DATABASE_URL": database_url,
           "PESANAN_SECRET_FILE": str(tmp_path / "secret.key"),
           # Generated requests come fast from one key: measure conformance, not the limiter.
           "PESANAN_RATE_LIMIT_API": "100000/second"}
    key = _admin_key(env)
    port = free_port()
    with serve(env, port, tmp_path):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=30) as r:
            total = sum(len(item) for item in json.load(r)["paths"].values())
        run = subprocess.run(
            [str(BIN / "st"), "run", f"http://127.0.0.1:{port}/openapi.json",
             "--header", f"Authorization: Bearer {key}", "--checks", CHECKS,
             "--phases", "coverage,fuzzing", "--max-examples", str(EXAMPLES),
             "--seed", str(SEED), "--generation-database", "none", "--workers", "2",
             "--request-timeout", "30", "--no-color", "--output-truncate", "false",
             *(arg for op in KNOWN_FAILURES for arg in ("--exclude-operation-id", op))],
            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    print(run.stdout[run.stdout.find("SUMMARY"):])  # shown with -rP: what was tested
    server_log = (tmp_path / "server.log").read_text()
    assert run.returncode == 0, run.stdout[-20000:] + "\n--- server log ---\n" + server_log[-5000:]
    # Every operation was selected and tested, but for the known failures.
    selected = total - len(KNOWN_FAILURES)
    assert f"Selected: {selected}/{total}" in run.stdout
    assert f"Tested: {selected}\n" in run.stdout
