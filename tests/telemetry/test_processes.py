"""The multiprocess directory `pesanan serve` prepares for its workers' histograms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pesanan.telemetry import metrics

ENV = metrics.MULTIPROC_ENV


def test_several_workers_get_a_fresh_directory_removed_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    made = metrics.prepare_processes(2)
    assert made is not None and made.is_dir() and list(made.iterdir()) == []
    assert os.environ[ENV] == str(made)  # what the spawned workers inherit
    metrics.finish_processes(made)
    assert not made.exists() and ENV not in os.environ


def test_one_worker_needs_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert metrics.prepare_processes(1) is None


def test_the_operators_directory_is_kept_but_last_runs_samples_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "histogram_4242.db"
    stale.write_bytes(b"old samples")
    other = tmp_path / "notes.txt"
    other.write_text("not ours")
    monkeypatch.setenv(ENV, str(tmp_path))
    assert metrics.prepare_processes(4) is None  # theirs: nothing to remove after
    assert not stale.exists() and other.exists()
