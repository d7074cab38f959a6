"""Files as offices send them, built from Python: a statistics-office workbook, an accident
ledger, a GBK CSV saved by Excel. Shared by the tests and by ``fixtures/make_fixtures.py``
(which converts them to .xls and .ods with LibreOffice once; the results are committed).

The expected figures next to each builder were worked out by hand (fractions), not by
safeplan.
"""

from __future__ import annotations

import csv
import datetime
import io
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# --------------------------------------------------------------------------- statistics office

#: The statistics office's table: title, unit line, a two-row header with a merged group
#: cell (死亡人数 over 工矿商贸 | 道路交通), years written 2016年 (and full-width), numbers
#: with thousands separators and full-width digits, "—" for not yet published, a 合计 row
#: per year, a blank row before a footnote and a source line.
STATS_TITLE = "2019—2021年示例市各县区安全生产统计表"
STATS_HEADER = [
    "年份",
    "地区",
    "事故起数",
    "死亡人数",
    "",
    "从业人员（人）",
    "地区生产总值（亿元）",
]
STATS_SUB = ["", "", "", "工矿商贸", "道路交通", "", ""]
STATS_ROWS: list[list[Any]] = [
    ["2019年", "东山县", 17, 3, 12, "456,544", "1,234.5"],
    ["2019年", "西湖县", 20, 4, 10, "380,100", 980.25],
    ["2019年", "合计", 37, 7, 22, "836,644", "2,214.75"],
    ["２０２０年", "东山县", "１５", 2, 11, "４６０，０００", 1300],
    ["２０２０年", "西湖县", 18, 3, 9, "381,000", 1000.1],
    ["２０２０年", "合　计", 33, 5, 20, "841,000", "2,300.1"],
    ["2021年", "东山县", 12, 2, 8, "462,500", "—"],
    ["2021年", "西湖县", 14, 1, 9, "383,000", "—"],
    ["2021年", "合计", 26, 3, 17, "845,500", "—"],
]
STATS_NOTE = "注：2021年地区生产总值尚未公布。"
STATS_SOURCE = "资料来源：示例市统计局"

#: The whole city's figures (the regions' sums) by year, by hand.
STATS_EXPECTED = {
    "事故起数": {2019: 37, 2020: 33, 2021: 26},
    "死亡人数_工矿商贸": {2019: 7, 2020: 5, 2021: 3},
    "死亡人数_道路交通": {2019: 22, 2020: 20, 2021: 17},
    "从业人员": {2019: 836644, 2020: 841000, 2021: 845500},
    "地区生产总值": {2019: Fraction("2214.75"), 2020: Fraction("2300.1")},
}


def stats_rows() -> list[list[Any]]:
    """The sheet as rows of cells (None for an empty cell), top to bottom."""
    return [
        [STATS_TITLE],
        ["单位：起、人、亿元"],
        list(STATS_HEADER),
        list(STATS_SUB),
        *[list(r) for r in STATS_ROWS],
        [],
        [STATS_NOTE],
        [STATS_SOURCE],
    ]


def stats_workbook() -> Workbook:
    """The statistics office's workbook, merged cells included, as Excel would save it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "统计表"
    for row in stats_rows():
        sheet.append([None if c == "" else c for c in row])
    sheet.merge_cells("A1:G1")
    for column in "ABCFG":
        sheet.merge_cells(f"{column}3:{column}4")
    sheet.merge_cells("D3:E3")
    note = 4 + len(STATS_ROWS) + 2
    sheet.merge_cells(f"A{note}:G{note}")
    return book


def stats_csv(encoding: str = "gbk") -> bytes:
    """The same table exported by Excel as CSV: GBK, CRLF, every row as wide as the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in stats_rows():
        writer.writerow([*("" if c is None else c for c in row), *[""] * (7 - len(row))])
    return buffer.getvalue().encode(encoding)


STATS_PLAN = """\
plan: {name: 示例市安全生产规划, region: 示例市, baseline_year: 2019, target_year: 2025}
datasets:
  stats: FILE
indicators:
  - {id: accidents, name: 事故起数, value: stats.事故起数, target: {decline_pct: 10}}
  - {id: industrial, name: 工矿商贸从业人员十万人死亡率, numerator: stats.死亡人数_工矿商贸,
     denominator: stats.从业人员, per: 100000, target: {max: 1.5}}
  - {id: gdp_rate, name: 亿元GDP道路交通死亡率, numerator: stats.死亡人数_道路交通,
     denominator: stats.地区生产总值, target: {max: 0.01}}
"""

# --------------------------------------------------------------------------- accident ledger

#: A county's ledger: a title row, units in the headers (loss in 元), a 序号 column, dates as
#: Excel dates, as text in three forms and with a time, a blank and a dash, a 合计 row.
LEDGER_HEADER = [
    "序号",
    "发生日期",
    "乡镇（街道）",
    "行业",
    "死亡人数（人）",
    "重伤人数（人）",
    "直接经济损失（元）",
    "事故简要情况",
]
LEDGER_ROWS: list[list[Any]] = [
    [1, datetime.date(2023, 1, 5), "城关镇", "建筑业", 1, 0, 850000, "高处坠落"],
    [2, "2023/3/7", "城关镇", "道路交通", 2, None, 120000000, "车辆侧翻"],
    [3, "2023年6月1日", "河西街道", "工商贸", 0, 10, "—", "机械伤害"],
    [4, datetime.datetime(2023, 8, 9, 14, 30), "河西街道", "煤矿", 3, None, 9999999.99, "冒顶"],
    [5, datetime.date(2023, 11, 21), "城关镇", "危险化学品", 0, 0, "10,000,000", "爆炸"],
    [6, "2024-02-14", "河西街道", "道路交通", 1, 1, 300000, "追尾"],
    [7, datetime.date(2024, 5, 1), "城关镇", "建筑业", 10, 0, 0, "坍塌"],
]
LEDGER_TOTAL: list[Any] = ["合计", None, None, None, 17, 11, None, None]

#: By hand: classes (元 ÷ 10 000 = 万元; 12 000 万元 is 特别重大, 999.999999 万元 一般 by loss
#: but 3 deaths make it 较大, 1 000 万元 exactly 较大, 10 deaths 重大).
LEDGER_CLASSES = ["general", "especially_major", "larger", "larger", "larger", "general", "major"]
LEDGER_LOSS_WAN = ["85", "12000", None, "999.999999", "1000", "30", "0"]
LEDGER_EXPECTED = {
    2023: {"accidents": 5, "deaths": 6, "serious_injuries": 10, "larger_or_above": 4},
    2024: {"accidents": 2, "deaths": 11, "serious_injuries": 1, "larger_or_above": 1},
}
LEDGER_LOSS = {
    2023: Fraction(85) + 12000 + Fraction("999.999999") + 1000,
    2024: Fraction(30),
}


def ledger_workbook(total: bool = True) -> Workbook:
    """The ledger as an .xlsx, with a title row above the header."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "事故台账"
    sheet.append(["示例县生产安全事故台账"])
    sheet.append(LEDGER_HEADER)
    for row in LEDGER_ROWS:
        sheet.append(row)
    if total:
        sheet.append(LEDGER_TOTAL)
    return book


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    """Rows written as Excel writes CSV (CRLF)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [["" if c is None else c for c in row] for row in rows]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
