"""The written summary (``check --format text``, the report's first section) and CSV for
Excel (a UTF-8 BOM; Chinese headers when asked)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import safeplan
from safeplan.render.summary import summary_paragraphs

ROOT = Path(__file__).resolve().parent.parent


def test_check_text_is_the_written_summary(run, bundled) -> None:  # type: ignore[no-untyped-def]
    result = run("check", "2024", "-c", str(bundled), "--format", "text")
    assert result.exit_code == 1
    text = result.stdout
    assert text.startswith("示例市“十四五”安全生产规划 — 2024年控制指标完成情况\n")
    assert "2024年，示例市5项控制指标中3项达到年度目标，2项未达到" in text
    assert "重特大事故起数为0，实现控制目标" in text
    assert "生产安全事故死亡人数35人，较2020年下降12.5%，完成序时进度要求（36.8人以内）" in text
    assert "亿元GDP生产安全事故死亡率0.0145，较2020年下降28.1%，高于0.01的控制目标" in text
    assert "道路交通万车死亡率1.98，较2020年下降19.0%，高于1.35的控制目标" in text
    assert "分地区看，3个地区均有指标未达标：西湖县4项（" in text
    assert "展望2025年，按2020年以来的变化趋势外推" in text
    assert "亿元GDP生产安全事故死亡率（预计0.0131，目标0.01，需年均下降31.3%）" in text


def test_the_outlook_is_told_as_of_the_year_checked(run, bundled) -> None:  # type: ignore[no-untyped-def]
    text = run("check", "2022", "-c", str(bundled), "--format", "text").stdout
    assert "2022年，示例市5项控制指标中" in text
    # Projected from 2020–2022 only: the later years' data is not used.
    assert "展望2025年" in text and "预计33.8人" not in text


def test_one_region_is_described_by_its_own_name(run, bundled) -> None:  # type: ignore[no-untyped-def]
    text = run("check", "2024", "-c", str(bundled), "-r", "东山县", "-f", "text").stdout
    assert "2024年，东山县5项控制指标中3项达到年度目标" in text
    assert "分地区看" not in text


def test_all_met_is_said_in_one_sentence(make_plan) -> None:  # type: ignore[no-untyped-def]
    config = make_plan(
        "plan: {name: t, region: 示例县, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: 死亡人数, value: a.deaths, unit: 人,"
        " target: {decline_pct: 10}}\n",
        {"a.csv": (["year", "deaths"], [[2020, 50], [2024, 40]])},
    )
    paragraphs = summary_paragraphs(safeplan.check(config, 2024))
    assert paragraphs[0] == "2024年，示例县1项控制指标全部达到年度目标。"
    assert (
        paragraphs[1] == "其中，死亡人数40人，较2020年下降20.0%，完成序时进度要求（46.0人以内）。"
    )


def test_english_summary(make_plan) -> None:  # type: ignore[no-untyped-def]
    config = make_plan(
        "plan: {name: t, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: d, name: deaths, value: a.deaths, target: {max: 30}}\n",
        {"a.csv": (["year", "deaths"], [[2020, 50], [2024, 40]])},
    )
    paragraphs = summary_paragraphs(safeplan.check(config, 2024), lang="en")
    assert (
        paragraphs[0]
        == "In 2024, 0 of the 1 control indicators of whole plan were met; 1 missed: deaths."
    )


def test_csv_files_start_with_a_bom_for_excel(run, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.csv"
    for command in (["check", "2024"], ["gap"]):
        run(*command, "-c", str(bundled), "-f", "csv", "-o", str(out))
        text = out.read_text(encoding="utf-8")
        assert text.startswith("\ufeffid,name,region,year,value,target_kind,target_value,")
        header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert header[-4:] == ["unit", "attribute", "baseline_value", "change_pct"]
    records = ROOT / "examples" / "records" / "indicators.yaml"
    run("classify", "-c", str(records), "-f", "csv", "-o", str(out))
    assert out.read_text(encoding="utf-8").startswith("\ufeffline,date,")
    for fmt in ("json", "markdown"):
        run("check", "2024", "-c", str(bundled), "-f", fmt, "-o", str(out))
        assert not out.read_text(encoding="utf-8").startswith("\ufeff")


def test_csv_into_a_pipe_has_no_bom_and_into_a_file_has_one(bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Excel opens files; programs read pipes: only a file gets the byte-order mark."""
    import subprocess
    import sys

    safeplan = str(Path(sys.executable).with_name("safeplan"))
    command = [safeplan, "check", "2024", "-c", str(bundled), "-f", "csv"]
    piped = subprocess.run(command, capture_output=True, check=False)
    assert piped.returncode == 1 and piped.stdout.startswith(b"id,name,region,")
    target = tmp_path / "redirected.csv"
    with target.open("wb") as handle:
        subprocess.run(command, stdout=handle, check=False)
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,name,region,")


def test_the_bom_is_written_to_files_too(run, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "结果.csv"
    run("check", "2024", "-c", str(bundled), "-f", "csv", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert data.decode("utf-8-sig").splitlines()[1].startswith("major_accidents,重特大事故起数")


def test_chinese_csv_headers_when_asked(run, bundled) -> None:  # type: ignore[no-untyped-def]
    out = run("check", "2024", "-c", str(bundled), "-f", "csv", "--lang", "zh").stdout
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert list(rows[0])[:4] == ["指标代码", "指标名称", "地区", "年份"]
    assert rows[0]["地区"] == "示例市" and rows[0]["完成情况"] == "达标"
    assert rows[0]["指标属性"] == "约束性"
    english = run("check", "2024", "-c", str(bundled), "-f", "csv", "--lang", "en").stdout
    assert english.startswith("id,name,")


def test_a_projection_that_falls_to_zero_is_said_so(make_plan) -> None:  # type: ignore[no-untyped-def]
    """Deaths per 亿元 GDP 0.02 in 2020 and 0.01 in 2022 fall through 0 before 2025: the
    outlook says the rate is expected to fall to 0 (预计降至0), not "预计0.0000"."""
    config = make_plan(
        "plan: {name: t, region: 示例县, baseline_year: 2020, target_year: 2025}\n"
        "datasets: {a: a.csv}\n"
        "indicators:\n  - {id: r, name: 亿元GDP死亡率, numerator: a.deaths, denominator: a.gdp,"
        " target: {max: 0.05}}\n",
        {"a.csv": (["year", "deaths", "gdp"], [[2020, 2, 100], [2022, 1, 100]])},
    )
    gapped = safeplan.gap(config)
    assert [o.projected_value for o in gapped.outlook] == [0]
    text = "".join(summary_paragraphs(safeplan.check(config, 2022), gapped.outlook))
    assert "亿元GDP死亡率（预计降至0）" in text and "0.0000" not in text


def test_a_count_that_stays_at_zero_is_said_to_stay(run, bundled) -> None:  # type: ignore[no-untyped-def]
    """重特大事故起数 is 0 in every year of the bundled data: the outlook says it stays at 0
    (保持0), not that it falls to 0."""
    text = run("check", "2024", "-c", str(bundled), "--format", "text").stdout
    assert "重特大事故起数（预计保持0起）" in text and "预计降至0起" not in text
