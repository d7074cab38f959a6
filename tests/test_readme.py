"""The README's examples are run, and its Quick start is what CI runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_blocks() -> list[tuple[list[str], list[str], int]]:
    """(argv, expected output lines, exit code) of every ```console block."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", README, re.S):
        lines = body.rstrip("\n").split("\n")
        assert lines[0].startswith("$ safeplan "), lines[0]
        argv = shlex.split(lines[0][len("$ safeplan ") :])
        expected = lines[1:]
        code = 0
        if expected and re.fullmatch(r"\[exit \d\]", expected[-1]):
            code = int(expected.pop()[6])
        blocks.append((argv, expected, code))
    return blocks


BLOCKS = console_blocks()


def test_readme_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("argv", "expected", "code"), BLOCKS, ids=[" ".join(b[0]) for b in BLOCKS])
def test_readme_example(run, monkeypatch, argv, expected, code):
    monkeypatch.chdir(ROOT)
    result = run(*argv)
    assert result.exit_code == code, result.stderr
    # CSV starts with a UTF-8 BOM (for Excel), invisible in the README.
    actual = result.stdout.removeprefix("\ufeff").rstrip("\n").split("\n")
    if expected and expected[-1] == "...":
        assert actual[: len(expected) - 1] == expected[:-1]
    else:
        assert actual == expected


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = [c for c in block.group(1).splitlines() if c.strip()]
    assert len(commands) == 2
    assert "safeplan check 2024" in commands[0]
    assert "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_json_example_matches_the_bundled_plan(run, monkeypatch):
    import json

    monkeypatch.chdir(ROOT)
    example = re.search(r"`safeplan check 2024 --format json`:\n\n```json\n(.*?)```", README, re.S)
    assert example is not None
    shown = json.loads(example.group(1))
    actual = json.loads(run("check", "2024", "--format", "json").stdout)
    assert shown["plan"] == actual["plan"]
    assert shown["results"][0] in actual["results"]


def test_library_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    block = re.search(r"## Library.*?```python\n(.*?)```", README, re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {})
