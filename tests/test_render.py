"""Renderers: golden files for what people read, invariants for what machines read.

Golden files live in ``tests/golden``; after an intended change of an output, regenerate
them with ``SAFEPLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py`` and review
the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

import safeplan
from safeplan.render import FORMATS, Options, formats, render
from safeplan.render.table import cell_width

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("SAFEPLAN_UPDATE_GOLDEN"))


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from its golden file"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import shutil

    root = Path(__file__).resolve().parent.parent
    directory = tmp_path_factory.mktemp("plan")
    shutil.copy(root / "indicators.yaml", directory / "indicators.yaml")
    shutil.copytree(root / "data", directory / "data")
    cwd = os.getcwd()
    os.chdir(directory)  # file names in findings and explanations are relative
    try:
        plan = safeplan.load_plan("indicators.yaml")
        return {
            "check": safeplan.check(plan, 2024),
            "gap": safeplan.gap(plan),
            "validate": safeplan.validate(plan),
            "explain": safeplan.explain(plan, "deaths", 2024, region="西湖县"),
        }
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize(
    ("command", "fmt", "name"),
    [
        ("check", "table", "check_2024.txt"),
        ("check", "markdown", "check_2024.md"),
        ("check", "csv", "check_2024.csv"),
        ("gap", "table", "gap.txt"),
        ("gap", "markdown", "gap.md"),
        ("gap", "csv", "gap.csv"),
        ("explain", "text", "explain_deaths_2024.txt"),
        ("validate", "text", "validate.txt"),
    ],
)
def test_outputs_match_their_golden_files(reports, command, fmt, name):
    text = render(command, fmt, reports[command], Options())
    assert isinstance(text, str)
    golden(name, text)


@pytest.mark.parametrize("command", ["check", "gap"])
def test_json_is_the_report_dict(reports, command):
    report = reports[command]
    text = render(command, "json", report)
    assert isinstance(text, str)
    assert json.loads(text) == json.loads(json.dumps(report.to_dict()))  # type: ignore[attr-defined]


def test_validate_json_is_the_report_dict(reports):
    report = reports["validate"]
    for fail_on in ("error", "warning"):
        text = render("validate", "json", report, Options(fail_on=fail_on))
        assert json.loads(text) == report.to_dict(fail_on)  # type: ignore[attr-defined]


def _table_lines(text: str) -> list[str]:
    """The header, rule and body lines of the first table in a text."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    end = next((i for i in range(rule + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[rule - 1 : end]


def _column_starts(rule: str) -> list[int]:
    """Display offsets where the columns start, from the rule line (runs of ─)."""
    starts, offset, previous = [], 0, " "
    for char in rule:
        if char == "─" and previous == " ":
            starts.append(offset)
        offset += 1
        previous = char
    return starts


def _display_prefix(line: str, width: int) -> str:
    """The characters of ``line`` that fill its first ``width`` display cells."""
    out, used = [], 0
    for char in line:
        if used >= width:
            break
        out.append(char)
        used += cell_width(char)
    return "".join(out)


@pytest.mark.parametrize(("command", "fmt"), [("check", "table"), ("gap", "table")])
def test_every_table_line_keeps_the_columns_aligned(reports, command, fmt):
    text = render(command, fmt, reports[command])
    assert isinstance(text, str)
    head, rule, *body = _table_lines(text)
    starts = _column_starts(rule)
    assert len(starts) > 3
    width = cell_width(rule)
    for line in [head, *body]:
        assert cell_width(line) <= width, line
        for start in starts[1:]:
            # Two spaces before every column start, at the same display offset in each line.
            prefix = _display_prefix(line, start)
            assert cell_width(prefix) == start or cell_width(line) < start, line
            assert prefix.endswith("  "), (line, start)


def test_csv_rows_have_the_header_width(reports):
    for command in ("check", "gap"):
        text = render(command, "csv", reports[command])
        rows = list(csv.reader(io.StringIO(str(text))))
        assert {len(row) for row in rows} == {len(rows[0])}


def test_registry_names_a_renderer_for_every_format():
    for command, table in FORMATS.items():
        assert formats(command) == list(table)
        for fmt, target in table.items():
            module, _, function = target.partition(":")
            imported = __import__(module, fromlist=[function])
            assert callable(getattr(imported, function)), (command, fmt)
