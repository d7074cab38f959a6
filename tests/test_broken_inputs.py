"""Broken submissions users really make, one file broken at a time.

Every case copies the bundled plan (``indicators.yaml`` + ``data/``) into a temporary
directory, breaks one thing in one file, and asserts the finding code, the file, the line
(and column, and ``Sheet!C5`` cell for workbooks) in ``safeplan validate --format json``,
the exit code of ``validate``, and that ``safeplan check 2024`` refuses the same data with
exit 2 and the same finding on stderr — never a Python traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from safeplan.cli import app

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "indicators.yaml"
YEAR = "2024"

# --------------------------------------------------------------------------- the plan copy


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled plan; the working directory is the copy (paths show as data/…)."""
    shutil.copy(ROOT / CONFIG, tmp_path / CONFIG)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def encoding_of(raw: bytes) -> str:
    """The encoding a bundled file is written in (the way safeplan detects it)."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


@dataclass
class Csv:
    """A bundled CSV file as rows of cells, written back in its own encoding and CRLF."""

    path: Path
    rows: list[list[str]]
    encoding: str

    @classmethod
    def open(cls, plan: Path, name: str) -> Csv:
        path = plan / "data" / name
        raw = path.read_bytes()
        encoding = encoding_of(raw)
        text = raw.decode(encoding)
        assert "\r\n" in text and '"' not in text, "the bundled files are plain CRLF CSV"
        lines = text.split("\r\n")
        while lines and not lines[-1]:
            lines.pop()
        return cls(path, [line.split(",") for line in lines], encoding)

    @property
    def file(self) -> str:
        return f"data/{self.path.name}"

    def line(self, year: int, region: str) -> int:
        """The 1-based physical line of the row for (year, region)."""
        for i, row in enumerate(self.rows):
            if row[0] == str(year) and row[1] == region:
                return i + 1
        raise AssertionError(f"no row {year} {region} in {self.path.name}")

    def col(self, name: str) -> int:
        """The 1-based column of a header."""
        return self.rows[0].index(name) + 1

    def set(self, year: int, region: str, column: str, text: str) -> tuple[int, int]:
        """Replace one cell's text; returns its (line, column)."""
        line, col = self.line(year, region), self.col(column)
        self.rows[line - 1][col - 1] = text
        return line, col

    def text(self, delimiter: str = ",", newline: str = "\r\n") -> str:
        return newline.join(delimiter.join(row) for row in self.rows) + newline

    def save(
        self, *, delimiter: str = ",", newline: str = "\r\n", encoding: str | None = None
    ) -> None:
        self.path.write_bytes(self.text(delimiter, newline).encode(encoding or self.encoding))

    def raw_lines(self) -> list[bytes]:
        """The file's bytes split after each CRLF (so b"".join() gives the file back)."""
        return self.path.read_bytes().splitlines(keepends=True)


# --------------------------------------------------------------------------- running the CLI

runner = CliRunner()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
    """``safeplan ARGS`` in-process; an exception other than SystemExit fails the test."""
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"safeplan {' '.join(args)} raised {result.exception!r}"
    )
    run = Run(result.exit_code, result.stdout, result.stderr)
    assert_clean(run)
    return run


def assert_clean(run: Run) -> None:
    """No traceback, no internal error: every problem is a finding or a message."""
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream
        assert "internal error" not in stream


def validate(plan: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    run = invoke("validate", "--config", str(plan / CONFIG), "--format", "json", *extra)
    assert run.exit_code in (0, 1), run.stderr
    return run.exit_code, json.loads(run.stdout)


def check(plan: Path, *extra: str) -> Run:
    return invoke("check", YEAR, "--config", str(plan / CONFIG), *extra)


def location(f: dict[str, Any]) -> str:
    """The ``path:line:col`` (or ``path:Sheet!C5``) a finding prints as."""
    if f.get("cell"):
        return f"{f['file']}:{f['cell']}"
    return ":".join(str(p) for p in (f["file"], f["line"], f["column"]) if p is not None)


ANY = object()


@dataclass
class Expected:
    """The finding one broken submission must produce."""

    code: str | tuple[str, ...]
    file: str
    line: Any = ANY  # int, None or ANY
    column: Any = ANY
    cell: Any = ANY
    exit: int = 1

    def matches(self, f: dict[str, Any]) -> bool:
        return (
            f["code"] in ((self.code,) if isinstance(self.code, str) else self.code)
            and f["file"] == self.file
            and all(
                want is ANY or f[key] == want
                for key, want in (("line", self.line), ("column", self.column), ("cell", self.cell))
            )
        )


def assert_refused(plan: Path, expected: Expected) -> None:
    """validate finds it (JSON, exit code); check 2024 refuses with exit 2 and prints it."""
    code, report = validate(plan)
    findings = report["findings"]
    hits = [f for f in findings if expected.matches(f)]
    assert hits, f"expected {expected}, got {[(f['code'], location(f)) for f in findings]}"
    assert hits[0]["severity"] == "error"
    assert code == expected.exit == 1
    assert report["ok"] is False
    # The break stays in the broken file: nothing is reported elsewhere.
    assert {f["file"] for f in findings if f["severity"] == "error"} == {expected.file}

    checked = check(plan)
    assert checked.exit_code == 2
    assert f"{location(hits[0])}: error {hits[0]['code']} " in checked.stderr
    assert checked.stdout == ""


# --------------------------------------------------------------------------- the cases

Breaker = Callable[[Path], Expected]
CASES: list[Any] = []


def case(*marks: Any) -> Callable[[Breaker], Breaker]:
    def register(fn: Breaker) -> Breaker:
        CASES.append(pytest.param(fn, id=fn.__name__.replace("_", "-"), marks=marks))
        return fn

    return register


# -- encodings


@case()
def invalid_bytes_in_gb18030_file(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    line = data.line(2020, "东山县")
    lines = data.raw_lines()
    prefix = "2020,东山县,3".encode("gb18030")
    assert lines[line - 1].startswith(prefix)
    lines[line - 1] = prefix + b"\xff\xfe\xfd" + lines[line - 1][len(prefix) :]
    data.path.write_bytes(b"".join(lines))
    return Expected("bad-encoding", data.file, line, len("2020,东山县,3") + 1)


@case()
def invalid_bytes_in_utf8_file(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line = data.line(2019, "西湖县")
    lines = data.raw_lines()
    lines[line - 1] = lines[line - 1].replace(b"444", b"4\xff\xfe\xfd44")
    data.path.write_bytes(b"".join(lines))
    return Expected("mixed-encoding", data.file, line, len("2019,西湖县,4") + 1)


@case()
def gbk_cell_pasted_into_utf8_file(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line = data.line(2023, "东山县")
    lines = data.raw_lines()
    lines[line - 1] = lines[line - 1].replace("东山县".encode(), "东山县".encode("gbk"))
    data.path.write_bytes(b"".join(lines))
    return Expected("mixed-encoding", data.file, line, len("2023,") + 1)


@case()
def utf8_cell_pasted_into_gbk_file(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    line = data.line(2021, "东山县")
    lines = data.raw_lines()
    lines[line - 1] = lines[line - 1].replace("东山县".encode("gbk"), "东山县".encode())
    data.path.write_bytes(b"".join(lines))
    # Either code is fair for a GBK file with one UTF-8 cell; the place is what matters.
    return Expected(("mixed-encoding", "bad-encoding"), data.file, line)


@case()
def nul_byte_in_a_cell(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line = data.line(2017, "临河区")
    column = data.col("事故起数")  # a column no indicator uses
    lines = data.raw_lines()
    assert lines[line - 1].startswith(b"2017,")
    cells = lines[line - 1].split(b",")
    cells[column - 1] = cells[column - 1][:1] + b"\x00" + cells[column - 1][1:]
    lines[line - 1] = b",".join(cells)
    data.path.write_bytes(b"".join(lines))
    return Expected("nul-byte", data.file, line)


@case()
def nul_padding_at_the_end(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    data.path.write_bytes(data.path.read_bytes() + b"\x00" * 16)
    return Expected("nul-byte", data.file, len(data.rows) + 1)


# -- structure


@case()
def ragged_row_extra_cell(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line = data.line(2018, "西湖县")
    data.rows[line - 1].append("3")
    data.save()
    return Expected("ragged-row", data.file, line)


@case()
def ragged_row_missing_cell(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line = data.line(2020, "临河区")
    del data.rows[line - 1][-1]
    data.save()
    return Expected("ragged-row", data.file, line)


@case()
def unquoted_thousands_separator(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, _ = data.set(2019, "东山县", "工矿商贸就业人员", "456,544")
    data.save()
    return Expected("ragged-row", data.file, line)


@case()
def unclosed_quote(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, _ = data.set(2017, "东山县", "地区", '"东山县')
    data.save()
    return Expected("unclosed-quote", data.file, line)


@case()
def text_after_closing_quote(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, _ = data.set(2017, "东山县", "地区", '"东山"县')
    data.save()
    return Expected("bad-quote", data.file, line)


@case()
def semicolon_delimited(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    data.save(delimiter=";")
    return Expected("wrong-delimiter", data.file, 1)


@case()
def tab_delimited(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    data.save(delimiter="\t")
    return Expected("wrong-delimiter", data.file, 1)


@case()
def full_width_comma_delimited(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    data.save(delimiter="，")
    return Expected("wrong-delimiter", data.file, 1)


@case()
def blank_header_cell(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    column = data.col("事故起数")
    data.rows[0][column - 1] = ""
    data.save()
    return Expected("blank-header", data.file, 1, column)


@case()
def duplicate_header(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    first = data.col("死亡人数")
    data.rows[0][data.col("事故起数") - 1] = "死亡人数"  # 事故起数 comes before 死亡人数
    assert data.col("死亡人数") < first
    data.save()
    return Expected("duplicate-header", data.file, 1, first)


@case()
def year_and_nianfen_both_present(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    for row in data.rows:
        row.append(row[0])
    data.rows[0][-1] = "year"
    data.save()
    return Expected("duplicate-header", data.file, 1, len(data.rows[0]))


@case()
def empty_file(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    data.path.write_bytes(b"")
    return Expected("empty-file", data.file)


@case()
def header_only(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    del data.rows[1:]
    data.save()
    return Expected("no-data-rows", data.file, 1)


@case()
def missing_year_column(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    data.rows[0][0] = "年度"
    data.save()
    return Expected("missing-year-column", data.file, 1)


@case()
def missing_year_column_blank_line_after_header(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    data.rows[0][0] = "年度"
    data.rows.insert(1, [""])
    data.save()
    return Expected("missing-year-column", data.file, 1)


@case()
def blank_header_over_a_used_column(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    column = data.col("死亡人数")
    data.rows[0][column - 1] = ""
    data.save()
    return Expected("blank-header", data.file, 1, column)


@case()
def duplicate_header_over_a_used_column(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    column = data.col("死亡人数")
    data.rows[0][column - 1] = "地区"
    data.save()
    return Expected("duplicate-header", data.file, 1, column)


@case()
def blank_header_over_a_used_column_without_rules(plan: Path) -> Expected:
    config = plan / CONFIG
    text = config.read_text(encoding="utf-8")
    assert "\nrules:" in text
    config.write_text(text[: text.index("\nrules:") + 1], encoding="utf-8")
    data = Csv.open(plan, "accidents.csv")
    column = data.col("死亡人数")
    data.rows[0][column - 1] = ""
    data.save()
    return Expected("blank-header", data.file, 1, column)


@case()
def missing_file(plan: Path) -> Expected:
    (plan / "data" / "employment.csv").unlink()
    return Expected("file-not-found", "data/employment.csv", None, None)


@case()
def data_file_is_a_directory(plan: Path) -> Expected:
    path = plan / "data" / "employment.csv"
    path.unlink()
    path.mkdir()
    return Expected("file-unreadable", "data/employment.csv", None, None)


@case()
def multi_line_cell_before_a_bad_cell(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    # An unused column holds a cell with a line break (Alt+Enter in Excel) on an early row.
    data.set(2017, "临河区", "事故起数", '"27\r\n(含1起未遂)"')
    record_line, column = data.set(2022, "西湖县", "死亡人数", "10人")
    data.save()
    return Expected("non-numeric", data.file, record_line + 1, column)


# -- years and keys


@case()
def year_with_a_word_after_it(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2024, "东山县", "年份", "2024年度")
    data.save()
    return Expected("non-integer-year", data.file, line, column)


@case()
def fractional_year(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2024, "西湖县", "年份", "2024.5")
    data.save()
    return Expected("non-integer-year", data.file, line, column)


@case()
def blank_year(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, column = data.set(2021, "东山县", "年份", "")
    data.save()
    return Expected("missing-year", data.file, line, column)


@case()
def year_1800(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    line, column = data.set(2018, "西湖县", "年份", "1800")
    data.save()
    return Expected("implausible-year", data.file, line, column)


@case()
def duplicate_year_region_row(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, _ = data.set(2024, "西湖县", "地区", "东山县")
    data.save()
    assert data.line(2024, "东山县") < line
    return Expected("duplicate-row", data.file, line, data.col("年份"))


@case()
def blank_region(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, column = data.set(2022, "东山县", "地区", "")
    data.save()
    return Expected("missing-region", data.file, line, column)


# -- numbers


@case()
def number_with_unit(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2019, "临河区", "死亡人数", "12人")
    data.save()
    return Expected("non-numeric", data.file, line, column)


@case()
def quoted_comma_not_in_groups_of_three(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, column = data.set(2019, "东山县", "工矿商贸就业人员", '"45,6544"')
    data.save()
    return Expected("non-numeric", data.file, line, column)


@case()
def negative_count(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2021, "西湖县", "重特大事故起数", "-1")
    data.save()
    return Expected("negative-value", data.file, line, column)


@case()
def fractional_count(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2022, "东山县", "死亡人数", "2.5")
    data.save()
    return Expected("non-integer-count", data.file, line, column)


@case()
def zero_gdp(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2018, "东山县", "地区生产总值", "0")
    data.save()
    return Expected("zero-denominator", data.file, line, column)


@case()
def infinity(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, column = data.set(2020, "西湖县", "工矿商贸就业人员", "inf")
    data.save()
    return Expected("non-finite", data.file, line, column)


@case()
def overflowing_number(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2023, "临河区", "地区生产总值", "1e999")
    data.save()
    return Expected("non-finite", data.file, line, column)


@case()
def nan_spelled_out(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    line, column = data.set(2019, "临河区", "机动车保有量", "NaN")
    data.save()
    return Expected("non-finite", data.file, line, column)


@case()
def rule_violated(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line = data.line(2019, "西湖县")
    row = data.rows[line - 1]
    deaths, road = int(row[data.col("死亡人数") - 1]), int(row[data.col("道路交通死亡人数") - 1])
    data.set(2019, "西湖县", "工矿商贸死亡人数", str(deaths - road + 1))
    data.save()
    return Expected("rule-violated", data.file, line)


# -- offices' spellings that are still wrong


@case()
def zero_width_space_after_a_region(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2022, "东山县", "地区", "东山县\u200b")
    data.save()
    return Expected("control-character", data.file, line, column)


@case()
def terminal_escape_in_a_region(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2020, "西湖县", "地区", "\x1b]0;pwned\x07西湖县")
    data.save()
    return Expected("control-character", data.file, line, column)


@case()
def total_row_that_does_not_add_up(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    col = data.col("地区生产总值")
    rows = [r for r in data.rows[1:] if r[0] == "2024"]
    total = sum(Decimal(r[col - 1]) for r in rows)
    data.rows.append(["2024", "合计", str(total + Decimal("0.1"))])
    data.save()
    return Expected("total-mismatch", data.file, len(data.rows), col)


@case()
def plan_label_row_that_does_not_add_up(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    col = data.col("机动车保有量")
    data.rows.append(["2021", "示例市", "1"])
    data.save()
    return Expected("total-mismatch", data.file, len(data.rows), col)


@case()
def two_region_columns(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    for row in data.rows:
        row.append("乡镇" if row is data.rows[0] else "城关镇")
    data.save()
    return Expected("ambiguous-column", data.file, 1, len(data.rows[0]))


@case()
def unit_in_brackets_makes_a_duplicate_header(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    second = data.col("死亡人数")
    data.rows[0][data.col("事故起数") - 1] = "死亡人数（人）"  # before 死亡人数
    data.save()
    return Expected("duplicate-header", data.file, 1, second)


@case()
def count_that_is_whole_only_as_a_float(plan: Path) -> Expected:
    data = Csv.open(plan, "accidents.csv")
    line, column = data.set(2021, "临河区", "死亡人数", "29.9999999999999999")
    data.save()
    return Expected("non-integer-count", data.file, line, column)


@case()
def underscore_in_a_number(plan: Path) -> Expected:
    data = Csv.open(plan, "employment.csv")
    line, column = data.set(2022, "临河区", "工矿商贸就业人员", "600_000")
    data.save()
    return Expected("non-numeric", data.file, line, column)


@case()
def hexadecimal_number(plan: Path) -> Expected:
    data = Csv.open(plan, "vehicles.csv")
    line, column = data.set(2022, "临河区", "机动车保有量", "0xBEEF")
    data.save()
    return Expected("non-numeric", data.file, line, column)


@case()
def excel_error_value_exported_to_csv(plan: Path) -> Expected:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2023, "东山县", "地区生产总值", "#DIV/0!")
    data.save()
    return Expected("formula-error", data.file, line, column)


@case()
def data_file_is_a_fifo(plan: Path) -> Expected:
    path = plan / "data" / "vehicles.csv"
    path.unlink()
    os.mkfifo(path)
    return Expected("file-unreadable", "data/vehicles.csv", None, None)


@pytest.mark.parametrize("breaker", CASES)
def test_broken_submission_is_found_and_refused(plan: Path, breaker: Breaker) -> None:
    assert_refused(plan, breaker(plan))


def test_there_are_many_kinds_of_breakage() -> None:
    assert len(CASES) >= 30


# --------------------------------------------------------------------------- .xlsx


def to_xlsx(plan: Path, name: str, sheet: str = "Sheet") -> Path:
    """Replace data/NAME.csv by an .xlsx with numbers as numbers, as Excel saves it."""
    from openpyxl import Workbook

    data = Csv.open(plan, f"{name}.csv")
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in data.rows:
        ws.append([int(c) if c.isdigit() else float(c) if c[:1].isdigit() else c for c in row])
    target = plan / "data" / f"{name}.xlsx"
    book.save(target)
    data.path.unlink()
    config = plan / CONFIG
    text = config.read_text(encoding="utf-8")
    assert f"data/{name}.csv" in text
    config.write_text(text.replace(f"data/{name}.csv", f"data/{name}.xlsx"), encoding="utf-8")
    return target


def test_xlsx_version_of_a_data_file_passes(plan: Path) -> None:
    before = json.loads(check(plan, "--format", "json").stdout)
    to_xlsx(plan, "gdp")
    code, report = validate(plan)
    assert code == 0
    assert report["counts"]["errors"] == 0
    assert "data/gdp.xlsx" in report["files"]
    assert json.loads(check(plan, "--format", "json").stdout)["results"] == before["results"]


@pytest.mark.parametrize(
    ("sheet", "ref"), [("Sheet", "Sheet"), ("GDP 数据", "'GDP 数据'")], ids=["plain", "quoted"]
)
def test_xlsx_bad_cell_is_placed_as_sheet_cell(plan: Path, sheet: str, ref: str) -> None:
    from openpyxl import load_workbook

    path = to_xlsx(plan, "gdp", sheet)
    book = load_workbook(path)
    ws = book[sheet]
    assert ws["A5"].value == 2017 and ws["B5"].value == "临河区"
    ws["C5"] = "780亿"
    book.save(path)

    expected = Expected("non-numeric", "data/gdp.xlsx", 5, 3, f"{ref}!C5")
    assert_refused(plan, expected)
    text = invoke("validate", "--config", str(plan / CONFIG))
    assert f"data/gdp.xlsx:{ref}!C5: error non-numeric " in text.stderr + text.stdout


def test_xlsx_note_beside_the_table_is_an_unnamed_column(plan: Path) -> None:
    from openpyxl import load_workbook

    path = to_xlsx(plan, "employment")
    book = load_workbook(path)
    book["Sheet"]["E9"] = "备注: 含临时工"
    book.save(path)
    assert_refused(plan, Expected("blank-header", "data/employment.xlsx", 1, 5, "Sheet!E1"))


def test_html_named_xls_is_unsupported(plan: Path) -> None:
    # Web systems export HTML tables named .xls: not a workbook, not a CSV.
    (plan / "data" / "gdp.csv").unlink()
    (plan / "data" / "gdp.xls").write_bytes(b"\x00<table><tr><td>2024</td></tr></table>")
    config = plan / CONFIG
    config.write_text(config.read_text(encoding="utf-8").replace("gdp.csv", "gdp.xls"), "utf-8")
    assert_refused(plan, Expected(("nul-byte", "missing-year-column"), "data/gdp.xls"))


def test_xlsx_merged_cells_in_the_data(plan: Path) -> None:
    from openpyxl import load_workbook

    path = to_xlsx(plan, "gdp")
    book = load_workbook(path)
    ws = book["Sheet"]
    assert ws["B5"].value == "临河区"
    ws["B6"] = None
    ws.merge_cells("B5:B6")
    book.save(path)
    assert_refused(plan, Expected("merged-cell", "data/gdp.xlsx", 5, 2, "Sheet!B5"))


def test_xlsx_formula_without_a_saved_result(plan: Path) -> None:
    from openpyxl import load_workbook

    path = to_xlsx(plan, "gdp")
    book = load_workbook(path)
    book["Sheet"]["C7"] = "=C5+C6"
    book.save(path)
    assert_refused(plan, Expected("formula-error", "data/gdp.xlsx", 7, 3, "Sheet!C7"))


def test_xlsx_zip_bomb_is_refused_by_what_it_would_inflate_to(plan: Path) -> None:
    import struct

    path = to_xlsx(plan, "gdp")
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # the first member of the central directory
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # declares 4 GiB uncompressed
    path.write_bytes(bytes(data))
    assert_refused(plan, Expected("file-too-large", "data/gdp.xlsx", None, None))


def test_corrupt_xlsx_is_unsupported(plan: Path) -> None:
    path = to_xlsx(plan, "gdp")
    path.write_bytes(path.read_bytes()[:300])
    assert_refused(plan, Expected("unsupported-format", "data/gdp.xlsx", None, None))


# --------------------------------------------------------------------------- files that pass


def results(plan: Path) -> list[dict[str, Any]]:
    run = check(plan, "--format", "json")
    assert run.exit_code == 1  # the bundled 2024 figures miss some targets
    return json.loads(run.stdout)["results"]  # type: ignore[no-any-return]


def _to_gbk(plan: Path) -> None:
    data = Csv.open(plan, "accidents.csv")
    assert data.encoding == "utf-8-sig"
    data.save(encoding="gbk")


def _to_gb18030_beyond_gbk(plan: Path) -> None:
    # A note column with 𠀀 (U+20000): four bytes in GB18030, not encodable in GBK.
    data = Csv.open(plan, "gdp.csv")
    for row in data.rows:
        row.append("备注" if row is data.rows[0] else "𠀀县数据")
    data.save(encoding="gb18030")
    assert encoding_of(data.path.read_bytes()) == "gb18030"
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")


def _crlf_bom(plan: Path) -> None:
    data = Csv.open(plan, "gdp.csv")
    assert data.encoding == "utf-8"
    data.save(encoding="utf-8-sig")


def _lf_no_bom(plan: Path) -> None:
    data = Csv.open(plan, "accidents.csv")
    data.save(newline="\n", encoding="utf-8")


def _utf16_bom(plan: Path) -> None:
    data = Csv.open(plan, "employment.csv")
    data.save(encoding="utf-16")
    assert data.path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _excel_trailing_empty_columns_and_lines(plan: Path) -> None:
    data = Csv.open(plan, "gdp.csv")
    for row in data.rows:
        row.extend(["", ""])
    data.rows.extend([[""] * 5, [""] * 5])
    data.save()


def _padded_headers(plan: Path) -> None:
    data = Csv.open(plan, "employment.csv")
    data.rows[0] = [f" {c}\u3000" for c in data.rows[0]]
    data.save()


def _office_layout(plan: Path) -> None:
    # The statistics office's spelling of gdp.csv: a title, a unit line, years as 2016年,
    # full-width digits, the unit in the header, a correct 合计 row per year, a footnote.
    data = Csv.open(plan, "gdp.csv")
    col = data.col("地区生产总值") - 1
    body = data.rows[1:]
    rows = [["示例市分县区地区生产总值", "", ""], ["单位：亿元", "", ""]]
    rows.append(["年份", "县区", "地区生产总值（亿元）"])
    for year in sorted({r[0] for r in body}):
        regions = [r for r in body if r[0] == year]
        for r in regions:
            value = r[col].translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
            rows.append([f"{year}年", r[1], value])
        rows.append([f"{year}年", "合　计", str(sum(Decimal(r[col]) for r in regions))])
    rows += [["", "", ""], ["注：2024年为快报数。", "", ""]]
    data.rows = rows
    data.save(encoding="gbk")


def _units_in_headers(plan: Path) -> None:
    data = Csv.open(plan, "accidents.csv")
    data.rows[0] = [
        {"死亡人数": "死亡人数（人）", "事故起数": "事故起数(起)", "地区": "乡镇（街道）"}.get(c, c)
        for c in data.rows[0]
    ]
    data.save()


def _thousands_separators(plan: Path) -> None:
    data = Csv.open(plan, "employment.csv")
    col = data.col("工矿商贸就业人员") - 1
    for row in data.rows[1:]:
        row[col] = f'"{int(row[col]):,}"'
    data.save()


PASSING = {
    "office-layout": _office_layout,
    "units-in-headers": _units_in_headers,
    "thousands-separators": _thousands_separators,
    "gbk-file": _to_gbk,
    "gb18030-file": _to_gb18030_beyond_gbk,
    "crlf-bom-file": _crlf_bom,
    "lf-no-bom-file": _lf_no_bom,
    "utf16-bom-file": _utf16_bom,
    "excel-trailing-empty-columns": _excel_trailing_empty_columns_and_lines,
    "padded-headers": _padded_headers,
}


@pytest.mark.parametrize("change", PASSING.values(), ids=PASSING.keys())
def test_valid_variants_pass_with_the_same_results(
    plan: Path, change: Callable[[Path], None]
) -> None:
    before = results(plan)
    change(plan)
    code, report = validate(plan)
    assert code == 0, [(f["code"], location(f)) for f in report["findings"]]
    assert report["counts"]["errors"] == 0
    assert results(plan) == before


# --------------------------------------------------------------------------- blank cells


def test_blank_cell_is_a_warning_and_no_data_in_that_year(plan: Path) -> None:
    data = Csv.open(plan, "gdp.csv")
    line, column = data.set(2024, "临河区", "地区生产总值", "")
    data.save()
    code, report = validate(plan)
    assert code == 0
    (blank,) = [f for f in report["findings"] if f["code"] == "missing-value"]
    assert (blank["severity"], blank["file"], blank["line"], blank["column"]) == (
        "warning",
        "data/gdp.csv",
        line,
        column,
    )
    # --fail-on warning makes the same finding fail CI.
    strict = invoke("validate", "--config", str(plan / CONFIG), "--fail-on", "warning")
    assert strict.exit_code == 1

    run = check(plan, "--format", "json")
    assert run.exit_code == 1
    status = {(r["id"], r["region"]): r for r in json.loads(run.stdout)["results"]}
    assert status[("gdp_death_rate", "临河区")]["status"] == "no_data"
    assert status[("gdp_death_rate", "临河区")]["value"] is None
    assert status[("gdp_death_rate", "东山县")]["status"] != "no_data"
    assert status[("deaths", "临河区")]["status"] != "no_data"


def test_blank_cell_in_another_year_leaves_2024_evaluated(plan: Path) -> None:
    before = results(plan)
    data = Csv.open(plan, "gdp.csv")
    data.set(2019, "临河区", "地区生产总值", "")
    data.save()
    code, _ = validate(plan)
    assert code == 0
    after = {(r["id"], r["region"]): r["status"] for r in results(plan)}
    assert after == {(r["id"], r["region"]): r["status"] for r in before}


# --------------------------------------------------------------------------- config errors


def config_refused(plan: Path, *needles: str) -> str:
    """validate and check 2024 both exit 2 with a message containing every needle."""
    for args in (("validate", "--format", "json"), ("check", YEAR)):
        run = invoke(*args, "--config", str(plan / CONFIG))
        assert run.exit_code == 2, run.stdout + run.stderr
        assert run.stdout == ""
        for needle in needles:
            assert needle in run.stderr, run.stderr
    return run.stderr


def edit_config(plan: Path, old: str, new: str) -> int:
    """Replace text in indicators.yaml; returns the 1-based line where it starts."""
    config = plan / CONFIG
    text = config.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    config.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_config_unknown_key(plan: Path) -> None:
    line = edit_config(plan, "    unit: 人\n", "    unit: 人\n    taget: {max: 1}\n")
    config_refused(plan, f"indicators.yaml:{line + 1}", "未知的键 'taget'")


def test_config_missing_key(plan: Path) -> None:
    edit_config(plan, "  baseline_year: 2020\n", "")
    parent = edit_config(plan, "plan:\n", "plan:\n")
    config_refused(plan, f"indicators.yaml:{parent}:", "缺少必填的键 'baseline_year'")


def test_config_unknown_column(plan: Path) -> None:
    line = edit_config(plan, "value: accidents.死亡人数", "value: accidents.死亡总数")
    config_refused(plan, f"indicators.yaml:{line}", "indicators[1].value", "死亡总数")


def test_config_unknown_dataset(plan: Path) -> None:
    line = edit_config(plan, "denominator: gdp.地区生产总值", "denominator: gpd.地区生产总值")
    config_refused(plan, f"indicators.yaml:{line}", "indicators[2].denominator", "gpd")


def test_renamed_data_column_is_an_unknown_column(plan: Path) -> None:
    data = Csv.open(plan, "gdp.csv")
    data.rows[0][data.col("地区生产总值") - 1] = "GDP"
    data.save()
    line = edit_config(plan, "denominator: gdp.地区生产总值", "denominator: gdp.地区生产总值")
    config_refused(plan, f"indicators.yaml:{line}", "地区生产总值", "data/gdp.csv")


def test_config_yaml_syntax_error(plan: Path) -> None:
    line = edit_config(plan, "  target_year: 2025\n", "  target_year: [2025\n")
    stderr = config_refused(plan, "indicators.yaml:")
    assert re.search(r"indicators\.yaml:(\d+)", stderr)
    assert int(re.search(r"indicators\.yaml:(\d+)", stderr)[1]) >= line  # type: ignore[index]


@pytest.mark.parametrize("target", ["../secret.csv", "ABSOLUTE"], ids=["dotdot", "absolute"])
def test_data_path_outside_the_plan_is_refused_unread(plan: Path, target: str) -> None:
    outside = plan.parent / "secret.csv"
    outside.write_text("年份,地区,地区生产总值\nTOP-SECRET-1234,x,1\n", encoding="utf-8")
    try:
        path = str(outside) if target == "ABSOLUTE" else target
        line = edit_config(plan, "gdp: data/gdp.csv", f"gdp: {path}")
        stderr = config_refused(plan, f"indicators.yaml:{line}", "datasets.gdp", "在计划目录之外")
        assert "TOP-SECRET" not in stderr
    finally:
        outside.unlink()


def test_data_path_symlink_out_of_the_plan_is_refused(plan: Path) -> None:
    outside = plan.parent / "secret-link-target.csv"
    outside.write_text("年份,地区,地区生产总值\nTOP-SECRET-5678,x,1\n", encoding="utf-8")
    try:
        link = plan / "data" / "gdp.csv"
        link.unlink()
        link.symlink_to(outside)
        stderr = config_refused(plan, "datasets.gdp", "在计划目录之外")
        assert "TOP-SECRET" not in stderr
    finally:
        outside.unlink()


def test_missing_data_file_exit_codes(plan: Path) -> None:
    (plan / "data" / "vehicles.csv").unlink()
    code, report = validate(plan)
    assert code == 1
    assert [(f["code"], f["file"]) for f in report["findings"] if f["severity"] == "error"] == [
        ("file-not-found", "data/vehicles.csv")
    ]
    run = check(plan)
    assert run.exit_code == 2
    assert "data/vehicles.csv: error file-not-found " in run.stderr


# --------------------------------------------------------------------------- GitHub output


def test_github_annotations_and_step_summary(plan: Path) -> None:
    accidents = Csv.open(plan, "accidents.csv")
    first = accidents.set(2018, "东山县", "死亡人数", "-2")
    second = accidents.set(2023, "临河区", "死亡人数", "-1")
    accidents.save()
    gdp = Csv.open(plan, "gdp.csv")
    zero = gdp.set(2020, "西湖县", "地区生产总值", "0")
    gdp.save()
    summary = plan / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")

    run = invoke(
        "validate",
        "--config",
        str(plan / CONFIG),
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert run.exit_code == 1
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    heads = [line.split("::")[1] for line in annotations]
    assert heads == [
        f"error file=data/accidents.csv,line={first[0]},col={first[1]},"
        "title=safeplan negative-value ×2",
        f"error file=data/gdp.csv,line={zero[0]},col={zero[1]},title=safeplan zero-denominator",
    ]
    assert f"另有 1 处：第 {second[0]} 行" in annotations[0]
    assert "::group::" in run.stdout and "::endgroup::" in run.stdout
    assert not any(line.startswith("::warning ") for line in run.stdout.splitlines())

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")  # appended, not overwritten
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert re.fullmatch(r"\|\s*位置\s*\|\s*级别\s*\|\s*代码\s*\|.*\|", table[0])
    assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", table[1])
    rows = table[2:]
    assert len(rows) == 3
    assert f"data/accidents.csv:{first[0]}:{first[1]}" in rows[0] and "`negative-value`" in rows[0]
    assert f"data/accidents.csv:{second[0]}:{second[1]}" in rows[1]
    assert f"data/gdp.csv:{zero[0]}:{zero[1]}" in rows[2] and "`zero-denominator`" in rows[2]


# --------------------------------------------------------------------------- a real process


def safeplan(plan: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env["NO_COLOR"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "safeplan", *args, "--config", str(plan / CONFIG)],
        cwd=plan,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "breaker",
    [
        p
        for p in CASES
        if p.id
        in {
            "invalid-bytes-in-utf8-file",
            "unclosed-quote",
            "blank-year",
            "multi-line-cell-before-a-bad-cell",
            "empty-file",
            "blank-header-over-a-used-column",
        }
    ],
)
def test_real_process_has_no_traceback(plan: Path, breaker: Any) -> None:
    expected = breaker(plan)
    done = safeplan(plan, "validate", "--format", "json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (hit,) = [f for f in json.loads(done.stdout)["findings"] if expected.matches(f)]
    checked = safeplan(plan, "check", YEAR)
    assert checked.returncode == 2
    assert "Traceback" not in checked.stderr and "internal error" not in checked.stderr
    assert f"{location(hit)}: error {expected.code} " in checked.stderr


def test_real_process_config_error_has_no_traceback(plan: Path) -> None:
    edit_config(plan, "  target_year: 2025\n", "  target_year: 2025\n  targte_year: 2026\n")
    for args in (("validate",), ("check", YEAR)):
        done = safeplan(plan, *args)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert "targte_year" in done.stderr


def test_real_process_debug_shows_the_traceback(plan: Path) -> None:
    edit_config(plan, "  target_year: 2025\n", "  target_year: 2025\n  targte_year: 2026\n")
    done = safeplan(plan, "validate", "--debug")
    assert done.returncode != 0
    assert "Traceback" in done.stderr
