"""GitHub-flavoured Markdown tables of results, gaps and findings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from safeplan.render.batch import _format_each
from safeplan.render.columns import (
    _headers,
    _outlook_columns,
    _result_columns,
    _result_fields,
)
from safeplan.render.escape import escape_markdown
from safeplan.render.labels import LABELS, _region_label

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, GapReport
    from safeplan.render import Options


_md_escape = escape_markdown


def _md_escape_column(cells: Sequence[str]) -> Sequence[str]:
    """:func:`_md_escape` of each cell; the column itself when no cell needs escaping."""
    joined = "".join(cells)
    if joined.isprintable() and not _MARKUP.search(joined):
        return cells
    return _format_each(cells, _md_escape)


#: A character :func:`escape_markdown` might change (besides hidden ones), or the start
#: of a bare link.
_MARKUP = re.compile(r"[\\`*_\[\]<>&|~$@]|://|www\.", re.IGNORECASE)


def _markdown(header: Sequence[str], lines: Iterable[str]) -> list[str]:
    """The lines of a Markdown table, from its header and the escaped, joined cells of each row."""
    out = ["| " + " | ".join(_md_escape(h) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    out.extend(map("| {} |".format, lines))
    return out


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = _markdown(header, (" | ".join(_md_escape(c) for c in row) for row in rows))
    return "\n".join([*lines, ""])


def _markdown_columns(header: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """The lines of :func:`markdown_table`, from columns of cells (all of one length)."""
    return _markdown(header, map(" | ".join, zip(*map(_md_escape_column, columns), strict=True)))


def check_markdown(report: CheckReport, *, lang: str = "zh") -> str:
    """``check --format markdown``."""
    labels = LABELS[lang]
    columns = _result_columns(_result_fields(report.results), report.plan, lang)
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    table = _markdown_columns(_headers(lang), columns)
    return "\n".join([f"## {_md_escape(title)}", "", *table, ""])


def gap_markdown(report: GapReport, *, lang: str = "zh") -> str:
    """``gap --format markdown``: the rows and the outlook."""
    labels = LABELS[lang]
    plan = report.plan
    fields = _result_fields(report.rows)
    columns = _result_columns(fields, plan, lang)
    columns.insert(2, list(map(str, fields["year"])))
    header = [labels["indicator"], labels["region"], labels["year"], *_headers(lang)[2:]]
    names = dict(zip(fields["id"], fields["name"], strict=True))
    outlook_columns = [
        [names.get(o.id, o.id) for o in report.outlook],
        _format_each([o.region for o in report.outlook], lambda r: _region_label(r, plan, lang)),
        *_outlook_columns(report.outlook, lang),
    ]
    outlook_header = [
        labels["indicator"],
        labels["region"],
        labels["latest_year"],
        labels["latest_value"],
        labels["final_threshold"],
        labels["projected_value"],
        labels["on_track"],
        labels["required"],
    ]
    title = labels["gap_title"].format(
        name=plan["name"], first=plan["baseline_year"], last=max(fields["year"], default="")
    )
    return "\n".join(
        [
            f"## {_md_escape(title)}",
            "",
            *_markdown_columns(header, columns),
            "",
            f"### {labels['outlook'].format(year=plan['target_year'])}",
            "",
            *_markdown_columns(outlook_header, outlook_columns),
            "",
        ]
    )


# --------------------------------------------------------------------------- registry


def render_check(report: CheckReport, options: Options) -> str:
    """``check --format markdown``."""
    return check_markdown(report, lang=options.lang)


def render_gap(report: GapReport, options: Options) -> str:
    """``gap --format markdown``."""
    return gap_markdown(report, lang=options.lang)
