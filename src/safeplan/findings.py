"""Findings: problems in the data, as data.

Every check yields :class:`Finding` records with a stable kebab-case ``code``; a
:class:`ValidationReport` collects all of them. Nothing here raises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]


class Code(NamedTuple):
    """What a finding code means: its severity, what it says and how to fix it."""

    severity: Severity
    summary: str
    """一句话说明（中文），e.g. 单元格不是数字."""
    fix: str
    """怎样改正（中文）."""
    example: str = ""
    """A cell, header or line that gets this finding, e.g. ``死亡人数 = 12人``."""


#: Every finding code: its severity, a one-line summary, the fix and an example (the table
#: in docs/findings.md is generated from this one; tests/test_docs.py keeps them in step).
CODES: dict[str, Code] = {
    "file-not-found": Code(
        "error",
        "计划文件列出的数据文件不存在",
        "检查 indicators.yaml 中的路径（相对于该文件所在目录）",
        "datasets: {gdp: data/gpd.csv}（文件名拼错）",
    ),
    "file-unreadable": Code(
        "error",
        "数据文件无法读取（权限不足、是目录、设备或命名管道）",
        "给出一个可读的普通文件",
        "datasets: {gdp: data}（指向目录）",
    ),
    "file-too-large": Code(
        "error",
        "数据文件过大（或工作簿解压后过大、单元格过多），不像统计数据",
        "检查是否选错了文件；拆分过大的台账",
        "一个 3 GiB 的导出文件",
    ),
    "unsupported-format": Code(
        "error",
        "不是可读的 CSV 或 Excel 工作簿",
        "在 Excel 中另存为 .xlsx，或导出 CSV UTF-8",
        "data/gdp.pdf",
    ),
    "bad-encoding": Code(
        "error", "文件既不是 UTF-8 也不是 GB18030 编码", "另存为“CSV UTF-8”", "UTF-16 或损坏的字节"
    ),
    "mixed-encoding": Code(
        "error",
        "文件中一部分是 UTF-8，一部分不是",
        "重新输入或粘贴出错的单元格，整个文件另存为 CSV UTF-8",
        "UTF-8 文件中粘贴进一段 GBK 文字",
    ),
    "empty-file": Code("error", "文件没有表头", "重新导出该表", "0 字节的 CSV"),
    "no-data-rows": Code(
        "error", "文件有表头但没有数据行", "在表头下填入各年数据", "只有一行表头“年份,死亡人数”"
    ),
    "wrong-delimiter": Code(
        "error",
        "字段用分号或制表符分隔，而不是逗号",
        "另存为逗号分隔的 CSV（Excel：CSV UTF-8）",
        "年份;死亡人数",
    ),
    "unclosed-quote": Code(
        "error",
        "带引号的单元格没有闭合",
        '补上引号；单元格内的引号写成两个（""）',
        '2024,"西湖县,12',
    ),
    "bad-quote": Code(
        "error", "闭合引号后面还有文字", "带引号的单元格应以引号加逗号或行尾结束", '"西湖县"x,12'
    ),
    "nul-byte": Code(
        "error",
        "文件中有 NUL 字节",
        "删除 NUL 字符；若是无 BOM 的 UTF-16，另存为 CSV UTF-8",
        "无 BOM 的 UTF-16 文件",
    ),
    "blank-header": Code(
        "error",
        "有数据的列没有列名",
        "在表头行给每一列起名",
        "年份,,死亡人数（第二列有数据却无列名）",
    ),
    "duplicate-header": Code(
        "error",
        "两列的列名相同（或规范化后相同）",
        "重命名或删除其中一列",
        "死亡人数 与 死亡人数（人） 两列",
    ),
    "ragged-row": Code(
        "error",
        "一行的单元格数与表头不同",
        "检查多余或缺少的逗号，或单元格内未加引号的逗号",
        "2024,西湖县,12,3（比表头多一格）",
    ),
    "missing-year-column": Code(
        "error",
        "没有年份（year/年份）列",
        "把年份列命名为“年份”或 year，或在 columns: 中指定",
        "表头为“统计年度,死亡人数”且未在 columns: 中指定",
    ),
    "missing-column": Code(
        "error",
        "计划使用的列不在文件中",
        "修正 indicators.yaml 中的列名或文件表头",
        "计划引用 accidents.死亡人数，文件中只有“死亡数”",
    ),
    "missing-year": Code("error", "一行没有年份", "填写年份", "年份单元格为空"),
    "non-integer-year": Code(
        "error", "年份不是整数", "年份写成四位数字，如 2024 或 2024年", "2024年度"
    ),
    "implausible-year": Code("error", "年份不在 1900–2200 之间", "检查年份", "224"),
    "missing-region": Code(
        "error", "有地区列的文件中一行没有地区", "填写每一行的地区", "地区单元格为空"
    ),
    "duplicate-row": Code(
        "error", "同一年（和地区）有两行", "每年（每个地区）只保留一行", "2024 年西湖县出现两行"
    ),
    "non-numeric": Code(
        "error",
        "单元格不是数字",
        "填写纯数字（不带单位；千分位逗号须三位一组）；数据缺失时留空或填“—”",
        "12人、1,23",
    ),
    "non-finite": Code("error", "无穷大、NaN 或过大的数字", "填写实际数值", "inf、1e400"),
    "negative-value": Code("error", "计数或金额为负数", "计数和金额不能为负", "-3"),
    "non-integer-count": Code(
        "error",
        "计数（死亡人数、事故起数等）不是整数（按单元格的文字判断）",
        "计数应为整数",
        "死亡人数 2.5、29.9999999999999999",
    ),
    "zero-denominator": Code(
        "error", "作分母的数为零", "填写实际数值，或留空表示缺失", "地区生产总值 0"
    ),
    "missing-value": Code(
        "warning",
        "所用列的单元格为空或为“—”：需要它的结果为无数据",
        "补填数据，或确认确实缺失",
        "死亡人数 —（尚未公布）",
    ),
    "rule-violated": Code(
        "error", "计划中的一致性规则不成立", "核对这一行的数字", "工矿商贸死亡人数 12 > 死亡人数 10"
    ),
    "large-change": Code(
        "warning",
        "所用列一年内变化超过允许的百分比",
        "核对数字；确认无误时调高 validation.max_change_pct",
        "死亡人数 20 → 60",
    ),
    "year-gap": Code(
        "warning",
        "年份序列中缺少某年",
        "补上缺少的年份，或检查年份列",
        "2021、2023 有数据而 2022 没有",
    ),
    "bad-date": Code(
        "error",
        "事故日期无法识别",
        "日期写成 YYYY-MM-DD（也可 YYYY/MM/DD 或 YYYY年MM月DD日）",
        "2024-02-30",
    ),
    "unknown-sector": Code(
        "warning",
        "行业值不属于任何行业分组",
        "在 indicators.yaml 的 sectors: 中加入分组，或更正拼写",
        "行业“建筑”不在任何分组中",
    ),
    "outside-plan-years": Code(
        "warning",
        "事故记录的日期超出计划所用的年份",
        "这些记录计入所在年份，但没有指标用到",
        "2010 年的事故记录",
    ),
    "missing-sector-column": Code(
        "error",
        "定义了行业分组，但台账没有行业列",
        "增加行业列，或在 columns: 中指定",
        "sectors: 已定义，台账无“行业”列",
    ),
    "missing-deaths-column": Code(
        "error",
        "事故台账没有死亡人数列",
        "增加每起事故的死亡人数列，或在 columns: 中指定",
        "台账只有“日期,地区,直接经济损失”",
    ),
    "after-through": Code(
        "error",
        "事故日期晚于台账声明的统计截止日期（through:）",
        "更正日期，或把 indicators.yaml 中该台账的 through: 改为实际截止日期",
        "through: 2025-10-31，台账中有一起 2025-11-02 的事故",
    ),
    "missing-region-column": Code(
        "error",
        "控制指标表（附表）没有地区列",
        "附表每行一个地区：把地区列的表头写成“地区”",
        "附表的表头是“单位名称,死亡人数控制数”",
    ),
    "control-unknown-region": Code(
        "error",
        "控制指标表（附表）中的地区不在数据中",
        "按数据文件中的写法更正地区名称；全域合计行写“合计”",
        "附表写“西湖区”，数据中是“西湖县”",
    ),
    "control-unknown-column": Code(
        "warning",
        "控制指标表（附表）中的列不对应任何指标，未读取",
        "把列名改为指标的名称或 id，或在 controls: 的 columns: 中对应",
        "附表有一列“安全生产投入”，计划中没有这个指标",
    ),
    "control-year-mismatch": Code(
        "error",
        "控制指标表（附表）的年份与 indicators.yaml 中写的 year: 不一致",
        "更正年份，或删去 controls: 中的 year:",
        "controls: 写 year: 2025，附表的年份列是 2024",
    ),
    "ambiguous-column": Code(
        "error",
        "有不止一列可以作为地区列（如“县区”和“乡镇”）",
        "在 columns: 中写明哪一列是地区，如 columns: {region: 乡镇}",
        "表头同时有“县区”和“乡镇”两列",
    ),
    "unmapped-column": Code(
        "error",
        "台账中有一列像是死亡、重伤、损失等指标，但其列名 safeplan 不认识",
        "在 indicators.yaml 该数据集下用 columns: 指明，如 columns: {direct_loss: 经济损失}",
        "台账的损失列叫“经济损失（万元）”",
    ),
    "unknown-unit": Code(
        "error",
        "直接经济损失列名中的单位不是万元、元或亿元",
        "把列名改为“直接经济损失（万元）”并按万元填写，或使用元、亿元",
        "直接经济损失（美元）",
    ),
    "blank-row": Code(
        "warning",
        "数据中间有空行",
        "删除空行；若后面是另一张表，把它移到单独的工作表",
        "2019 年各行与 2020 年各行之间空了一行",
    ),
    "subtotal-row": Code(
        "error",
        "地区列中有小计行（如“东县小计”），它会与所合计的地区一起被重复计算",
        "删除小计行，表中只留各地区和一个合计行",
        "各乡镇之后有一行“东县小计”",
    ),
    "total-mismatch": Code(
        "error",
        "合计行的数与各地区之和不相等",
        "核对合计行和各地区的数；合计应恰好等于同年各地区之和",
        "2024 年“合计”行死亡人数 38，三个县区之和为 37",
    ),
    "control-character": Code(
        "error",
        "文字单元格中有控制字符或不可见字符（如零宽空格）",
        "重新输入该单元格的文字（不要从网页或聊天软件粘贴）",
        "地区“西湖县”后面跟着一个零宽空格（U+200B）",
    ),
    "formula-error": Code(
        "error",
        "单元格是公式错误值（如 #DIV/0!、#N/A），或是没有保存计算结果的公式",
        "改正公式，或复制后“选择性粘贴→数值”；程序生成的文件请在 Excel 中打开并保存一次",
        "#DIV/0!",
    ),
    "merged-cell": Code(
        "error",
        "数据区中有合并单元格：只有左上角的格有值",
        "取消合并，并在每个格中填入数值（Excel：取消合并后定位空值，输入 = 上一格，Ctrl+Enter）",
        "“东山县”纵向合并了 2019—2021 三年的行",
    ),
    "hidden-sheet": Code(
        "warning",
        "工作簿的第一个工作表是隐藏的，读取的是第一个可见的工作表",
        "在路径后用 #工作表名 指定要读的工作表，如 data/x.xlsx#数据",
        "第一个工作表“辅助”被隐藏",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One problem at one place in one file."""

    code: str
    severity: Severity
    file: str
    message: str
    line: int | None = None
    column: int | None = None
    column_name: str | None = None
    value: str | None = None
    hint: str | None = None
    cell: str | None = None
    """For .xlsx: ``Sheet!B7``."""

    @property
    def location(self) -> str:
        """``file:line:col`` for text files, ``file:Sheet!B7`` for workbooks."""
        if self.cell:
            return f"{self.file}:{self.cell}"
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


#: Longer cell texts are shortened in findings: the position names the cell.
MAX_SHOWN = 200


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` if at most ``limit`` characters, else its start and its length.

    ``shorten("甲" * 300)`` is the first 200 characters and ``…（共300字符）``.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共{len(text)}字符）"


#: A stretch of a message without spaces or quotes longer than this is a cell's text.
_LONG_RUN = MAX_SHOWN


def _shorten_runs(message: str) -> str:
    """``message`` with every over-long stretch between spaces or quotes shortened.

    Messages quote cells as written; a 100 MB cell would be echoed in full. Callers quote
    cells through :func:`shorten`; this is the safety net for any text that did not.
    """
    if len(message) <= _LONG_RUN:
        return message
    import re

    pattern = "[^\\s'\"‘’“”]{" + str(_LONG_RUN + 1) + ",}"
    return re.sub(pattern, lambda m: shorten(m.group(0)), message)


def finding(code: str, file: str, message: str, **where: Any) -> Finding:
    """A finding with the severity registered for ``code``.

    Cell texts in ``value`` and in the message are shortened (:func:`shorten`): a cell too
    long to read is named by its position.
    """
    severity = where.pop("severity", None) or CODES[code].severity
    value = where.get("value")
    if value is not None and len(value) > MAX_SHOWN:
        where["value"] = shorten(value)
    hint = where.get("hint")
    if hint is not None:
        where["hint"] = _shorten_runs(hint)
    return Finding(
        code=code,
        severity=severity,
        file=file,
        message=_shorten_runs(message),
        **where,
    )


@dataclass
class ValidationReport:
    """Everything ``validate`` found, in file order."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings."""
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity warning."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def ok(self, fail_on: Severity = "error") -> bool:
        """True when nothing at or above ``fail_on`` was found."""
        return not (self.findings if fail_on == "warning" else self.errors)

    def counts(self) -> dict[str, int]:
        """Number of errors and warnings."""
        return {"errors": len(self.errors), "warnings": len(self.warnings)}

    def by_code(self) -> Counter[str]:
        """How many findings of each code."""
        return Counter(f.code for f in self.findings)

    def to_dict(self, fail_on: Severity = "error") -> dict[str, Any]:
        """The JSON envelope of ``validate --format json``."""
        return {
            "schema_version": 1,
            "ok": self.ok(fail_on),
            "counts": self.counts(),
            "files": list(self.files),
            "findings": [f.to_dict() for f in self.findings],
        }


def codes_markdown() -> str:
    """The table of every finding code, as in ``docs/findings.md``."""
    lines = [
        "| 代码 code | 级别 | 含义 | 示例 | 怎样改正 |",
        "|---|---|---|---|---|",
    ]
    severity = {"error": "错误", "warning": "警告"}
    for code, info in sorted(CODES.items()):
        cells = [f"`{code}`", severity[info.severity], info.summary, info.example, info.fix]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
