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


def explanation_text(e: Explanation, plan: dict[str, Any], lang: str = "zh") -> str:
    """``safeplan explain``: the value, its sums and their source cells, the threshold."""
    r = e.result
    labels = LABELS[lang]
    out = [f"{r.id} — {e.indicator_name}, {_region_label(r.region, plan, lang)}, {r.year}"]
    out.append(f"  formula: {e.formula}")
    for term in e.terms:
        out.append(
            f"  {term.role}: Σ {term.ref} = {fmt_number(term.total, 17)}  ({term.file}, "
            f"{len(term.cells)} row(s))"
        )
        for cell in term.cells[:50]:
            where = f"  [{cell.region}]" if cell.region is not None and r.region is None else ""
            out.append(f"    {cell.location}{where}: {shorten(cell.text or '') or '(blank)'}")
        if len(term.cells) > 50:
            out.append(f"    … and {len(term.cells) - 50} more rows")
        if term.records is not None:
            shown = ", ".join(str(n) for n in term.records[:30])
            more = f" … (+{len(term.records) - 30})" if len(term.records) > 30 else ""
            out.append(f"    records: {len(term.records)} at lines {shown}{more}")
            out.extend(f"      {reason}" for reason in term.reasons)
    if e.per is not None:
        out.append(f"  per (scale): {fmt_number(e.per)}")
    out.append(f"  value = {fmt_number(r.value, 17)}")
    for step in e.threshold_steps:
        out.append(f"  {step}")
    out.append(f"  gap = value − threshold = {fmt_gap(r.gap)}")
    out.append(f"  status: {labels[r.status]}")
    # Each line is one line: a newline or ESC inside a quoted value is shown, not obeyed.
    return "\n".join(escape_terminal(shorten(line, MAX_LINE)) for line in out) + "\n"


def render_text(explanation: Explanation, options: Options) -> str:
    """``explain --format text``."""
    return explanation_text(explanation, explanation.plan, options.lang)


def render_json(explanation: Explanation, options: Options) -> str:
    """``explain --format json``."""
    return escape_json(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n")
