"""Terminal tables fit the terminal: check at 80 columns, gap and classify at 120."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import safeplan
from safeplan.render import Options, render
from safeplan.render.table import cell_width, table_lines, text_table, wrap

ROOT = Path(__file__).resolve().parent.parent
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def widths(text: str) -> list[int]:
    return [cell_width(_ANSI.sub("", line)) for line in text.splitlines()]


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return safeplan.load_plan(ROOT / "indicators.yaml")


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_check_fits_the_width(plan, width: int) -> None:  # type: ignore[no-untyped-def]
    text = str(render("check", "table", safeplan.check(plan, 2024), Options(width=width)))
    assert max(widths(text)) <= width
    for name in ("重特大", "道路交通", "西湖县"):
        assert name in text
    # A status per indicator (and the legend of the region table).
    assert text.count("✗ 未达标") == 2 + 1 and text.count("✓ 达标") == 3


def test_check_at_80_columns_gives_each_indicator_a_block(plan) -> None:  # type: ignore[no-untyped-def]
    text = str(render("check", "table", safeplan.check(plan, 2024), Options(width=80)))
    lines = text.splitlines()
    head = next(line for line in lines if line.startswith("3  亿元GDP生产安全事故死亡率"))
    assert head.endswith("✗ 未达标") and cell_width(head) == 80  # status at the right edge
    assert any("序时进度要求 ≤0.0100" in line for line in lines)


def test_check_at_120_columns_is_one_table_with_wrapped_names(plan) -> None:  # type: ignore[no-untyped-def]
    text = str(render("check", "table", safeplan.check(plan, 2024), Options(width=120)))
    header = next(line for line in text.splitlines() if line.startswith("序号"))
    assert header.split()[-1] == "完成情况"  # the status in its own column
    assert "工矿商贸就业人员" in text and "事故死亡率" in text


def test_gap_and_classify_fit_120_columns(plan) -> None:  # type: ignore[no-untyped-def]
    gap = str(render("gap", "table", safeplan.gap(plan), Options(width=120)))
    assert max(widths(gap)) <= 120
    records = safeplan.classify(ROOT / "examples" / "records" / "indicators.yaml")
    classified = str(render("classify", "table", records, Options(width=120)))
    assert max(widths(classified)) <= 120
    assert "较大: 直接经济损失 1000 万元 ≥ 1000" in classified.replace("\n", "")


def test_colour_keeps_the_width(plan) -> None:  # type: ignore[no-untyped-def]
    text = str(render("check", "table", safeplan.check(plan, 2024), Options(width=80, colour=True)))
    assert "\x1b[31m" in text and max(widths(text)) <= 80


def test_many_indicators_page_the_region_table(make_plan) -> None:  # type: ignore[no-untyped-def]
    indicators = "".join(
        f"  - {{id: i{n}, name: 第{n}项很长很长的控制指标名称, value: a.deaths, target: {{max: 0}}}}\n"
        for n in range(12)
    )
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        f"datasets: {{a: a.csv}}\nindicators:\n{indicators}",
        {"a.csv": (["year", "region", "deaths"], [[2024, "甲县", 1], [2024, "乙县", 60]])},
    )
    text = str(render("check", "table", safeplan.check(config, 2024), Options(width=80)))
    assert max(widths(text)) <= 80
    # The regions repeat on each page of indicators, every indicator on one page.
    regions = text.split("表2", 1)[1]
    assert regions.count("甲县") >= 2
    rows = [line for line in regions.splitlines() if line.startswith("乙县")]
    assert sum(row.count("60 ✗") for row in rows) == 12


def test_cli_takes_the_width_from_columns(run, bundled) -> None:  # type: ignore[no-untyped-def]
    wide = run("check", "2024", "-c", str(bundled)).stdout
    narrow = run("check", "2024", "-c", str(bundled), env={"COLUMNS": "80"}).stdout
    assert max(widths(wide)) > 80 >= max(widths(narrow))
    to_file = run("gap", "-c", str(bundled), env={"COLUMNS": "80"})
    assert max(widths(to_file.stdout)) <= 80


def test_wrap_breaks_between_chinese_characters_not_inside_numbers() -> None:
    assert wrap("亿元GDP生产安全事故死亡率", 10) == ["亿元GDP生", "产安全事故", "死亡率"]
    assert wrap("较2020年下降10%（≤36.0）", 12) == ["较2020年下降", "10%（≤36.0）"]
    assert wrap("工矿商贸（人/10万人）", 13) == ["工矿商贸", "（人/10万人）"]
    assert all(cell_width(line) <= 7 for line in wrap("一二三四五六七八九十", 7))


def test_table_lines_keep_every_line_within_the_width() -> None:
    header = ["序号", "名称", "状态"]
    columns = [["1", "2"], ["很长的名称" * 4, "短"], ["✓ 达标", "✗ 未达标"]]
    lines = table_lines(header, columns, [True, False, False], wraps=[False, True, False], width=30)
    assert lines is not None and max(map(cell_width, lines)) <= 30
    assert table_lines(header, columns, [True, False, False], width=10) is None  # cannot fit
    assert text_table(header, [["1", "x", "y"]]).splitlines()[1].startswith("────")


def test_monitor_tables_fit_80_columns(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The monthly table has ten columns: at 80 columns its headers wrap (本月/起数), every
    figure stays whole on its line, and nothing but the 通报 paragraph (one line, to paste)
    is wider than the terminal; without a width it is one line per row."""
    monkeypatch.setenv("SAFEPLAN_TODAY", "2025-12-31")
    config = str(ROOT / "examples" / "records" / "indicators.yaml")
    narrow = run("monitor", "2025-06", "-c", config, env={"COLUMNS": "80"}).stdout
    wide = run("monitor", "2025-06", "-c", config).stdout
    table = [line for line in narrow.splitlines() if not line.startswith("1—6月，")]
    assert max(widths("\n".join(table))) <= 80 < max(widths(wide))
    assert "本月起数" in wide and "本月起数" not in narrow and "起数" in narrow
    rows = [line.split() for line in narrow.splitlines() if line.startswith("东镇")]
    assert rows[0] == ["东镇", "全部", "1", "1", "1", "0.0%", "1", "-50.0%", "0", "否"]


def test_wide_width_is_riches_cell_len() -> None:
    """Text measured character by character from a table of each character's width is as
    wide as rich says, joiners and variation selectors (left to rich) included."""
    import random

    from rich.cells import cell_len

    from safeplan.render.table import _wide_width

    rng = random.Random(20261201)
    codes = [*range(0x0, 0x3100), *range(0x4E00, 0x4F00), *range(0xFF00, 0xFFF0)]
    codes += [*range(0x1F300, 0x1F700), 0x200D, 0xFE0F, 0x10FFFF]
    chars = [chr(c) for c in codes]
    texts = ["", "重大: 直接经济损失 5000 万元 ≥ 5000", "👨\u200d👩\u200d👧", "❤\ufe0f", "e\u0301"]
    texts += ["".join(rng.choices(chars, k=rng.randint(1, 40))) for _ in range(20_000)]
    for text in texts:
        _wide_width.cache_clear()
        assert _wide_width(text) == cell_len(text), repr(text)


@pytest.mark.parametrize("width", [None, 200, 40, 24, 5])
@pytest.mark.parametrize("size", [1, 2, 5, 100])
def test_table_streamed_in_chunks_is_the_table(width: int | None, size: int) -> None:
    """Rows a chunk at a time make the same table: measured whole, wrapped alike."""
    from safeplan.render.table import columns_table, stream_table_lines

    header = ["行", "地区", "依据\n（说明）"]
    columns = [
        [str(i) for i in range(1, 12)],
        ["北京市", "x", "", "重庆市万州区", "a b c", "地区", "x", "新疆", "y", "z", "w"],
        ["重大: 直接经济损失 5000 万元 ≥ 5000", "一般", "", "较大: 死亡 3 人 ≥ 3", "", "a" * 30],
    ]
    columns[2] += ["x", "y", "z", "一般: 死亡 1 人", "w"]
    right = [True, False, False]
    wraps = [False, True, True]
    expected = columns_table(header, columns, align_right=right, wraps=wraps, width=width)

    def chunks() -> list[list[list[str]]]:
        return [[c[a : a + size] for c in columns] for a in range(0, len(columns[0]), size)]

    pieces = stream_table_lines(header, chunks, right, wraps=wraps, width=width)
    assert "\n".join(line for lines in pieces for line in lines) == expected
