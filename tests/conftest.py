"""Shared fixtures: a plan directory written from Python literals, and the CLI runner."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from safeplan.cli import app

# No property test asserts a time: Hypothesis's per-example deadline would fail a correct
# example on a busy machine (timings are measured by benchmarks/, never by tests).
settings.register_profile("safeplan", deadline=None)
settings.load_profile("safeplan")

ROOT = Path(__file__).resolve().parent.parent


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    """Write a CSV file (CRLF like Excel) in the given encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


PlanMaker = Callable[..., Path]


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables fit COLUMNS when it is set: outputs under test have no width unless a test
    sets one."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def make_plan(tmp_path: Path) -> PlanMaker:
    """Write indicators.yaml (text) and data files ({name: (header, rows[, encoding])})."""

    def make(yaml_text: str, files: dict[str, tuple[Any, ...]] | None = None) -> Path:
        for name, spec in (files or {}).items():
            header, rows, *rest = spec
            write_csv(tmp_path / name, header, rows, *(rest or ["utf-8"]))
        config = tmp_path / "indicators.yaml"
        config.write_text(yaml_text, encoding="utf-8")
        return config

    return make


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on the same date, whatever the machine's clock says: a year after
    the last year any fixture uses, so none of them is partial unless a test says so."""
    monkeypatch.setenv("SAFEPLAN_TODAY", "2031-01-15")


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the bundled example plan; returns its indicators.yaml."""
    shutil.copy(ROOT / "indicators.yaml", tmp_path / "indicators.yaml")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "indicators.yaml"


class Run:
    """Invoke the CLI and keep stdout, stderr and the exit code."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Any:
        result = self.runner.invoke(app, list(args), env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def run() -> Run:
    """Run ``safeplan …`` in-process."""
    return Run()
