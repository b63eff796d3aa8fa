"""The README's commands run as printed: its shell blocks, against a live demo server."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import orjson

from tests.live_server import BIN, free_port, serve

ROOT = Path(__file__).resolve().parents[2]
SETUP = ["make run", "make test"]  # the first block: Makefile targets, run by hand and CI


def _blocks() -> list[str]:
    """The README's ```sh blocks: the set-up and the example, both run here. Other snippets
    (maintainers' commands) are plain ``` blocks."""
    return re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def _commands(block: str) -> list[str]:
    return [line.split("#")[0].strip() for line in block.splitlines()
            if line.split("#")[0].strip()]


def test_the_readme_setup_block_names_makefile_targets() -> None:
    setup = _blocks()[0]
    assert _commands(setup) == SETUP
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: ", makefile, re.M) and re.search(r"^test: ", makefile, re.M)


def test_the_readme_example_places_an_order_on_a_demo_server_as_printed(
        tmp_path: Path) -> None:
    examples = _blocks()[1:]
    assert len(examples) == 1
    port = free_port()
    env = {"PESANAN_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
           "PESANAN_SECRET_FILE": str(tmp_path / "secret.key")}
    run_env = {**os.environ, **env}
    subprocess.run([str(BIN / "pesanan"), "db", "upgrade"], env=run_env, check=True,
                   capture_output=True, timeout=120)
    demo = subprocess.run([str(BIN / "pesanan"), "demo", "--days", "1", "--once", "--url",
                           f"http://127.0.0.1:{port}"], env=run_env, check=True,
                          capture_output=True, text=True, timeout=300)
    key = demo.stdout.strip().splitlines()[-1]  # as the README says: the last line
    assert key.startswith("psn_")
    with serve(env, port, tmp_path):
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", examples[0]], cwd=ROOT,
                              env={**run_env, "KEY": key,
                                   "PESANAN_URL": f"http://127.0.0.1:{port}"},
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # Two JSON documents, one a line: the order list, then the new order.
    listed, placed = (orjson.loads(line) for line in done.stdout.splitlines())
    assert len(listed["items"]) == 2
    assert placed["number"].startswith("SO-")
    assert placed["status"] in ("open", "on_hold")
    assert [(line["sku"], line["quantity"]) for line in placed["lines"]] == [
        ("KOPI-TORAJA-250", 2)]
