"""Hostile submissions: what the data holds never turns into commands, markup or screen codes.

Data repositories run ``safeplan validate --format github`` in CI on submissions from many
offices, so a cell can hold anything: GitHub workflow commands, terminal escape sequences,
HTML, Markdown links, or a hundred megabytes of text.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest

PLAN = """\
plan: {name: 测试规划, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv}
indicators:
  - {id: deaths, name: 死亡人数, value: a.deaths, target: {max: 10}}
"""

#: A cell that tries everything at once.
INJECTION = (
    "1\n::error file=x.py,line=1::pwned\r::add-mask::secret\n  ::stop-commands::tok\n"
    "\x1b]0;title\x07\x1b[31m红\x9b2J ##[error]v1 <script>alert(1)</script> "
    "[x](javascript:alert(1)) | https://evil.example \u202eevil"
)

#: safeplan's own workflow commands: the only lines that may start with ``::``.
OWN_COMMAND = re.compile(r"::(error|warning) [^\n]*::.*|::group::[^:\n]*|::endgroup::")


def hidden(text: str) -> list[str]:
    """Control, format and separator characters in ``text`` (newlines aside)."""
    return [
        c for c in text if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
    ]


@pytest.fixture
def hostile(make_plan, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan whose data has the injection in a count cell and in a region name."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    config = make_plan(
        PLAN,
        {
            "a.csv": (
                ["year", "region", "deaths"],
                [[2020, "甲", 1], [2024, "甲", INJECTION], [2024, "乙\x1b[31m::error::", 3]],
            )
        },
    )
    monkeypatch.chdir(config.parent)
    return config


def test_github_output_has_no_line_starting_a_command_but_its_own(run, hostile) -> None:
    result = run("validate", "-c", str(hostile), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for line in lines:
        if line.lstrip().startswith("::"):
            assert OWN_COMMAND.fullmatch(line), line
        assert "##[" not in line
    assert hidden(result.stdout) == []
    assert [line for line in lines if line.startswith("::group::")] == ["::group::全部问题"]
    # The group holds one line per finding (and the summary): none split by the data.
    group = lines[lines.index("::group::全部问题") + 1 : lines.index("::endgroup::")]
    assert all(re.match(r"(a\.csv:\d+|已检查)", line) for line in group), group


def test_github_annotations_count_matches_the_groups(run, hostile) -> None:
    result = run("validate", "-c", str(hostile), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    groups = {(f["file"], f["code"]) for f in findings}
    github = run("validate", "-c", str(hostile), "--format", "github").stdout
    commands = [line for line in github.splitlines() if re.match(r"::(error|warning) ", line)]
    assert len(commands) == len(groups)


def test_a_file_name_starting_a_command_is_escaped_in_the_group(
    run, make_plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    config = make_plan(
        PLAN.replace("{a: a.csv}", '{a: a.csv, b: "::error::x.csv"}'),
        {"a.csv": (["year", "deaths"], [[2020, 1], [2024, 2]])},
    )
    monkeypatch.chdir(config.parent)
    result = run("validate", "-c", "indicators.yaml", "--format", "github")
    assert result.exit_code == 1
    for line in result.stdout.splitlines():
        if line.lstrip().startswith("::"):
            assert OWN_COMMAND.fullmatch(line), line
    assert "file=%3A%3Aerror%3A%3Ax.csv" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_terminal_formats_show_controls_never_send_them(run, hostile, fmt: str) -> None:
    result = run("validate", "-c", str(hostile), "--format", fmt)
    assert result.exit_code == 1
    assert hidden(result.stdout) == [] and hidden(result.stderr) == []
    if fmt == "text":
        assert "\\x1b]0;title\\x07" in result.stdout
        # One line per finding plus the summary: the newlines in the cell are shown.
        assert all(re.match(r"(a\.csv:\d+|已检查)", line) for line in result.stdout.splitlines())


def test_check_refusing_hostile_data_prints_no_control_character(run, hostile) -> None:
    result = run("check", "2024", "-c", str(hostile))
    assert result.exit_code == 2
    assert hidden(result.stdout) == [] and hidden(result.stderr) == []


def test_check_table_shows_a_hostile_region_escaped(make_plan) -> None:
    from safeplan import api
    from safeplan.evaluate.results import CheckReport
    from safeplan.render import Options, render

    config = make_plan(PLAN, {"a.csv": (["year", "deaths"], [[2020, 1], [2024, 2]])})
    report = api.check(api.load_plan(config), 2024)
    hostile = CheckReport(
        plan={**report.plan, "name": "规划\x1b]0;t\x07"},
        year=report.year,
        results=[r._replace(region="乙\x1b[2J\r", name="名\x9b") for r in report.results],
    )
    for fmt, command in (("table", "check"), ("markdown", "check")):
        text = render(command, fmt, hostile, Options())
        assert isinstance(text, str)
        assert hidden(text) == [], fmt
        assert "\\x1b[2J" in text or "\\\\x1b\\[2J" in text


def test_markdown_summary_has_no_markup_from_the_data(run, hostile) -> None:
    result = run("validate", "-c", str(hostile), "--format", "markdown")
    text = result.stdout
    assert hidden(text) == []
    assert not re.search(r"(?<!\\)<", text) and "\\<script\\>" in text
    assert not re.search(r"(?<!\\)\]\(javascript", text) and "\\](javascript" in text
    assert not re.search(r"(?<!\\)https://", text)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    # Every row has as many unescaped pipes as the header: no cell broke out.
    pipes = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert pipes == {6}
    assert rows[0] == "| 位置 | 级别 | 代码 | 问题 | 改正方法 |"


def test_step_summary_is_escaped_markdown(run, hostile, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = run(
        "validate",
        "-c",
        str(hostile),
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<", text) and hidden(text) == []


def test_a_huge_cell_is_never_echoed_in_full(run, make_plan, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    huge = "9" * 2_000_000 + "x"
    config = make_plan(PLAN, {"a.csv": (["year", "deaths"], [[2020, 1], [2024, huge]])})
    for fmt in ("text", "json", "github", "markdown"):
        result = run("validate", "-c", str(config), "--format", fmt)
        assert result.exit_code == 1, fmt
        assert len(result.stdout) < 20_000, fmt
    refused = run("check", "2024", "-c", str(config))
    assert refused.exit_code == 2 and len(refused.stderr) < 20_000


@pytest.mark.parametrize("option", ["--config", "--output"])
def test_nul_in_a_path_is_a_one_line_error(run, make_plan, option: str) -> None:
    config = make_plan(PLAN, {"a.csv": (["year", "deaths"], [[2020, 1], [2024, 2]])})
    args = ["check", "2024", "--config", str(config), "--output", str(config.parent / "o.csv")]
    args[args.index(option) + 1] += "\0x"
    result = run(*args)
    assert result.exit_code == 2
    assert "NUL" in result.stderr or "null byte" in result.stderr
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- Excel's limits


def test_a_sheet_beyond_excels_rows_is_refused_before_building() -> None:
    from safeplan.errors import UsageError
    from safeplan.render.xlsx import MAX_ROWS, Column, Sheet, write_xlsx

    row = {"a": "x"}
    sheet = Sheet(title="记录", columns=[Column("a", "甲")], rows=[row] * MAX_ROWS)
    with pytest.raises(UsageError, match="1048577 行") as caught:
        write_xlsx([sheet])
    assert caught.value.hint is not None and "--format csv" in caught.value.hint


@pytest.mark.parametrize(
    ("command", "config"),
    [("classify", "examples/records/indicators.yaml"), ("gap", "indicators.yaml")],
)
def test_too_many_rows_for_xlsx_is_a_usage_error(run, monkeypatch, tmp_path, command, config):
    from safeplan.render import xlsx

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    out = tmp_path / "out.xlsx"
    result = run(command, "-c", str(root / config), "-f", "xlsx", "-o", str(out))
    assert result.exit_code == 2
    assert "Excel" in result.stderr and "--format csv" in result.stderr
    assert "内部错误" not in result.stderr and not out.exists()


# --------------------------------------------------------------------------- the float range

RATE_PLAN = """\
plan: {name: 测试规划, baseline_year: 2020, target_year: 2025}
datasets: {a: a.csv, g: g.csv}
indicators:
  - {id: rate, name: 死亡率, numerator: a.deaths, denominator: g.gdp, per: 100000,
     target: {max: 1}}
  - {id: loss, name: 损失, value: a.loss, target: {decline_pct: 10}}
"""


def _rate_plan(make_plan, gdp: str, loss: str = "1") -> Path:
    return make_plan(
        RATE_PLAN,
        {
            "a.csv": (
                ["year", "deaths", "loss"],
                [[2020, 1, "0." + "0" * 310 + "1"], [2024, 9, loss]],
            ),
            "g.csv": (["year", "gdp"], [[2020, 1], [2024, gdp]]),
        },
    )


def test_a_value_beyond_the_float_range_is_an_error_naming_it(run, make_plan) -> None:
    config = _rate_plan(make_plan, "0." + "0" * 310 + "1")
    for fmt in ("table", "json", "csv", "markdown"):
        result = run("check", "2024", "-c", str(config), "-f", fmt)
        assert result.exit_code == 2, fmt
        assert "rate" in result.stderr and "超出可计算的范围" in result.stderr
        assert "内部错误" not in result.stderr and "Warning" not in result.stderr


def test_a_huge_value_reads_the_same_in_every_format(run, make_plan) -> None:
    config = _rate_plan(make_plan, "0." + "0" * 290 + "1")  # 9 × 1e5 ÷ 1e-291 = 9e296
    texts = {}
    for fmt in ("table", "json", "csv", "markdown"):
        result = run("check", "2024", "-c", str(config), "-f", fmt)
        assert result.exit_code == 1, result.stderr
        assert result.stderr == ""  # no numpy overflow warning
        texts[fmt] = result.stdout
    for fmt, text in texts.items():
        assert "9e+296" in text, fmt
        assert not re.search(r"\d{30}", text), fmt  # no 297-digit integer
    gap = run("gap", "-c", str(config), "-f", "json")
    assert gap.exit_code == 1 and gap.stderr == "" and "9e+296" in gap.stdout
    explained = run("explain", "rate", "2024", "-c", str(config))
    assert explained.exit_code == 0 and "e+296" in explained.stdout and "1e-291" in explained.stdout


def test_a_change_against_a_baseline_near_zero_is_no_error(run, make_plan) -> None:
    config = _rate_plan(make_plan, "100", loss="5")
    result = run("check", "2024", "-c", str(config), "-f", "json")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""


# --------------------------------------------------------------------------- memory


def test_gap_json_is_written_in_pieces_identical_to_the_whole(bundled) -> None:
    from safeplan import api
    from safeplan.render import Options, render, render_stream
    from safeplan.render.json import stream_gap_json

    report = api.gap(api.load_plan(bundled))
    whole = render("gap", "json", report, Options())
    assert isinstance(whole, str)
    assert "".join(map(str, render_stream("gap", "json", report, Options()))) == whole
    pieces = list(stream_gap_json(report, chunk=7))
    assert "".join(pieces) == whole
    assert max(piece.count('{"id"') for piece in pieces) <= 7
    assert json.loads(whole)["rows"]


def test_gap_csv_is_written_in_pieces_identical_to_the_whole(bundled) -> None:
    from safeplan import api
    from safeplan.render import Options, render, render_stream
    from safeplan.render.csv import stream_gap_csv

    report = api.gap(api.load_plan(bundled))
    whole = render("gap", "csv", report, Options())
    assert isinstance(whole, str)
    assert "".join(map(str, render_stream("gap", "csv", report, Options()))) == whole
    pieces = list(stream_gap_csv(report, chunk=7))
    assert "".join(pieces) == whole
    assert max(piece.count("\n") for piece in pieces) <= 8  # the header, then 7 rows


def test_gap_json_streams_to_a_file_and_to_stdout(run, bundled, tmp_path) -> None:
    out = tmp_path / "gap.json"
    written = run("gap", "-c", str(bundled), "-f", "json", "-o", str(out))
    printed = run("gap", "-c", str(bundled), "-f", "json")
    assert written.exit_code == printed.exit_code == 1
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert json.loads(printed.stdout)["outlook"]


def test_a_gap_report_too_large_for_memory_is_refused_early(run, bundled, monkeypatch) -> None:
    from safeplan.evaluate import gap

    monkeypatch.setattr(gap, "MAX_RESULTS", 50)
    result = run("gap", "-c", str(bundled), "-f", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "超过上限" in result.stderr and "--region" in result.stderr
    assert run("gap", "-c", str(bundled), "-r", "西湖县", "-f", "json").exit_code in (0, 1)


# --------------------------------------------------------------------------- chart directories


@pytest.mark.skipif(os.name != "posix", reason="symbolic and hard links")
@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_chart_never_writes_through_a_link_to_a_plan_input(run, bundled, tmp_path, link) -> None:
    data = bundled.parent / "data" / "accidents.csv"
    before = data.read_bytes()
    out = tmp_path / "charts"
    out.mkdir()
    if link == "symlink":
        (out / "deaths.svg").symlink_to(data)
    else:
        os.link(data, out / "deaths.svg")
    result = run("chart", "-c", str(bundled), "--output", str(out))
    assert result.exit_code == 2
    assert "deaths.svg" in result.stderr and "内部错误" not in result.stderr
    assert data.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["deaths.svg"]  # nothing else written


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_chart_never_writes_through_a_symlink_in_its_directory(run, bundled, tmp_path) -> None:
    elsewhere = tmp_path / "authorized_keys"
    elsewhere.write_text("ssh-ed25519 AAAA\n", encoding="utf-8")
    out = tmp_path / "charts"
    out.mkdir()
    (out / "deaths.svg").symlink_to(elsewhere)
    result = run("chart", "-c", str(bundled), "--output", str(out))
    assert result.exit_code == 2 and "符号链接" in result.stderr
    assert elsewhere.read_text(encoding="utf-8") == "ssh-ed25519 AAAA\n"


def test_charts_refuse_a_dataset_named_like_a_chart_before_writing(bundled, tmp_path) -> None:
    from safeplan import api
    from safeplan.errors import UsageError
    from safeplan.render.charts import write_charts

    plan = api.load_plan(bundled)
    gap = api.gap(plan)
    dataset = tmp_path / "out" / "gdp_death_rate.svg"
    dataset.parent.mkdir()
    dataset.write_text("年份,地区生产总值\n", encoding="utf-8")
    with pytest.raises(UsageError, match="计划读取"):
        write_charts(gap, dataset.parent, protected=[*plan.protected_paths(), dataset])
    assert sorted(p.name for p in dataset.parent.iterdir()) == ["gdp_death_rate.svg"]
    assert dataset.read_text(encoding="utf-8") == "年份,地区生产总值\n"
