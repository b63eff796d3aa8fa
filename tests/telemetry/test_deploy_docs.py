"""The deployment examples say only what is true: every command in the systemd units and the
Procfile is one the CLI accepts, the units pass systemd's own check, and every PESANAN_ setting
they and the README's Deployment section name exists."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pesanan.cli import app
from pesanan.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
PESANAN = "/srv/pesanan/.venv/bin/pesanan"


def _commands() -> list[list[str]]:
    found = [line.removeprefix("ExecStart=").removeprefix(PESANAN).split()
             for unit in UNITS for line in unit.read_text().splitlines()
             if line.startswith("ExecStart=")]
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            # ${PORT:-8000} and the like: the default stands in for the platform's value.
            command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", line.split(":", 1)[1])
            found.append(shlex.split(command)[1:])  # without "pesanan"
    return found


def test_the_examples_cover_the_api_the_worker_and_the_migrations() -> None:
    assert sorted(c[0] for c in _commands()) == ["db", "db", "serve", "serve", "worker",
                                                  "worker"]


@pytest.mark.parametrize("args", _commands(), ids=" ".join)
def test_every_command_in_the_examples_is_accepted_by_the_cli(args: list[str]) -> None:
    # --help last: the options before it are parsed first, so an unknown one fails.
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # Never skipped: a missing systemd-analyze fails here, saying so, rather than passing
    # units nobody checked.
    assert shutil.which("systemd-analyze"), "systemd-analyze is needed to check the units"
    for unit in UNITS:
        text = unit.read_text().replace(PESANAN, "/bin/true")
        text = re.sub(r"EnvironmentFile=.*", "EnvironmentFile=-/nonexistent", text)
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no",
                              *sorted(str(p) for p in tmp_path.iterdir())],
                             capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stderr) == (0, "")


def test_every_setting_named_in_the_deployment_docs_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"PESANAN_([A-Z_]+)", section + (DEPLOY / "pesanan.env").read_text()))
    assert {"DATABASE_URL", "SECRET_KEY", "RATE_LIMIT_STORAGE", "LOG_FORMAT"} <= named
    assert sorted(n for n in named if n.lower() not in Settings.model_fields) == []
