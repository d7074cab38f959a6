"""``explain``: how one value and its threshold were computed, cell by cell.

The explanation quotes the data (cell texts, regions, file names) and the plan (names,
references): every line is escaped for the terminal, and every quoted value is shortened.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from safeplan.render.escape import escape_json, escape_terminal, shorten
from safeplan.render.labels import LABELS, _region_label
from safeplan.render.numbers import fmt_gap, fmt_number

if TYPE_CHECKING:
    from safeplan.evaluate.explain import Explanation
    from safeplan.render import Options


#: Characters of one line of an explanation beyond which it is cut (a line quotes a few
#: values at most, cells each shortened on their own).
MAX_LINE = 4000


_ROLES = {"value": "数值", "numerator": "分子", "denominator": "分母"}


def explanation_text(e: Explanation, plan: dict[str, Any], lang: str = "zh") -> str:
    """``safeplan explain``: the value, its sums and their source cells, the threshold."""
    r = e.result
    labels = LABELS[lang]
    out = [f"{r.id} — {e.indicator_name}，{_region_label(r.region, plan, lang)}，{r.year}年"]
    out.append(f"  公式：{e.formula}")
    for term in e.terms:
        role = _ROLES.get(term.role, term.role)
        out.append(
            f"  {role}：Σ {term.ref} = {fmt_number(term.total, 17)}（{term.file}，"
            f"{len(term.cells)} 行）"
        )
        for cell in term.cells[:50]:
            where = f"  [{cell.region}]" if cell.region is not None and r.region is None else ""
            out.append(f"    {cell.location}{where}: {shorten(cell.text or '') or '（空）'}")
        if len(term.cells) > 50:
            out.append(f"    …… 另有 {len(term.cells) - 50} 行")
        if term.records is not None:
            shown = "、".join(str(n) for n in term.records[:30])
            more = f" ……（另 {len(term.records) - 30} 起）" if len(term.records) > 30 else ""
            where = f"，在第 {shown} 行{more}" if term.records else ""
            out.append(f"    事故记录：{len(term.records)} 起{where}")
            out.extend(f"      {reason}" for reason in term.reasons)
    if e.per is not None:
        out.append(f"  换算系数（per）：{fmt_number(e.per)}")
    out.append(f"  数值 = {fmt_number(r.value, 17)}")
    for step in e.threshold_steps:
        out.append(f"  {step}")
    out.append(f"  差距 = 数值 − 阈值 = {fmt_gap(r.gap)}")
    out.append(f"  状态：{labels[r.status]}")
    # Each line is one line: a newline or ESC inside a quoted value is shown, not obeyed.
    return "\n".join(escape_terminal(shorten(line, MAX_LINE)) for line in out) + "\n"


def render_text(explanation: Explanation, options: Options) -> str:
    """``explain --format text``."""
    return explanation_text(explanation, explanation.plan, options.lang)


def render_json(explanation: Explanation, options: Options) -> str:
    """``explain --format json``."""
    return escape_json(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n")
