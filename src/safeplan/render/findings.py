"""``validate``'s findings in every format: text, JSON, GitHub annotations, Markdown.

Findings quote what the data holds (cell values, region and sector names), which is
untrusted: every value is escaped for the medium it is written to.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from safeplan.render.escape import (
    escape_github_data,
    escape_github_log,
    escape_github_property,
    escape_json,
    escape_markdown,
    escape_terminal,
    shorten,
)
from safeplan.render.json import dump_json

if TYPE_CHECKING:
    from safeplan.findings import Finding, ValidationReport
    from safeplan.render import Options


def _bounded(f: Finding) -> Finding:
    """The finding with every text it quotes from the data shortened (a cell may be huge)."""
    texts: dict[str, Any] = {
        name: shorten(value)
        for name in ("file", "message", "hint", "value", "column_name", "cell")
        if isinstance(value := getattr(f, name), str) and len(value) > 0
    }
    if all(texts[name] is getattr(f, name) for name in texts):
        return f
    return replace(f, **texts)


def _summary(report: ValidationReport, fail_on: str) -> str:
    counts = report.counts()
    verdict = "通过" if report.ok(fail_on) else "未通过"  # type: ignore[arg-type]
    return (
        f"已检查 {len(report.files)} 个文件：{counts['errors']} 个错误，"
        f"{counts['warnings']} 个警告 — {verdict}"
    )


def _finding_line(f: Finding) -> str:
    """``path:line:col: severity code message（提示：hint）`` of one finding, unescaped."""
    f = _bounded(f)
    text = f"{f.location}: {f.severity} {f.code} {f.message}"
    if f.hint:
        text += f"（提示：{f.hint}）"
    return text


def findings_text(report: ValidationReport, *, fail_on: str = "error") -> str:
    """One ``path:line:col: severity code message`` line per finding, then a summary.

    Every line is escaped for a terminal: a cell's ESC, CR or newline is shown, not obeyed.
    """
    lines = [escape_terminal(_finding_line(f)) for f in report.findings]
    lines.append(_summary(report, fail_on))
    return "\n".join(lines) + "\n"


def findings_json(report: ValidationReport, *, fail_on: str = "error") -> str:
    """``validate --format json``: the versioned envelope (long quoted values shortened)."""
    payload = report.to_dict(fail_on)  # type: ignore[arg-type]
    payload["findings"] = [_bounded(f).to_dict() for f in report.findings]
    return escape_json(dump_json(payload, "findings"))


#: The header of the Markdown table of findings.
MARKDOWN_HEADER = ("位置", "级别", "代码", "问题", "改正方法")


def findings_markdown(report: ValidationReport, *, fail_on: str = "error") -> str:
    """A Markdown summary (also what goes to ``$GITHUB_STEP_SUMMARY``).

    Every text from the data or the plan is escaped for Markdown: no raw HTML, no links,
    no broken table.
    """
    icon = "✅" if report.ok(fail_on) else "❌"  # type: ignore[arg-type]
    head = f"## {icon} safeplan 数据校验\n\n{escape_markdown(_summary(report, fail_on))}\n\n"
    if not report.findings:
        return head
    lines = ["| " + " | ".join(MARKDOWN_HEADER) + " |", "|" + "---|" * len(MARKDOWN_HEADER)]
    for f in map(_bounded, report.findings):
        cells = [
            escape_markdown(f.location),
            f.severity,
            f"`{f.code}`",
            escape_markdown(f.message),
            escape_markdown(f.hint or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


#: GitHub shows at most this many annotations of each severity per step.
GITHUB_ANNOTATIONS = 10


def findings_github(report: ValidationReport) -> str:
    """GitHub workflow commands, grouped per file and code so every kind of problem shows.

    GitHub keeps only ten annotations of each severity per step, so one annotation is
    written per (file, code) group, naming its first place and how many more there are;
    every finding is also listed in the log, inside a collapsible group.

    Only safeplan's own ``::error``, ``::warning``, ``::group::`` and ``::endgroup::`` lines
    start with ``::``: every text from the data is %-encoded in a command, and escaped as a
    plain log line (:func:`~safeplan.render.escape.escape_github_log`) in the group.
    """
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.file, f.code), []).append(f)
    out = []
    for (file, code), items in groups.items():
        first = _bounded(items[0])
        command = "error" if first.severity == "error" else "warning"
        props = [f"file={escape_github_property(shorten(file))}"]
        if first.line is not None:
            props.append(f"line={first.line}")
        if first.column is not None:
            props.append(f"col={first.column}")
        more = (
            f"（另有 {len(items) - 1} 处：第 "
            + ", ".join(str(f.line) for f in items[1:21] if f.line is not None)
            + (" …" if len(items) > 21 else "")
            + " 行）"
            if len(items) > 1
            else ""
        )
        title = f"safeplan {code}" + (f" ×{len(items)}" if len(items) > 1 else "")
        props.append(f"title={escape_github_property(title)}")
        message = first.message + more + (f" — {first.hint}" if first.hint else "")
        out.append(f"::{command} {','.join(props)}::{escape_github_data(message)}")
    if report.findings:
        out.append("::group::全部问题")
        out.extend(escape_github_log(_finding_line(f)) for f in report.findings)
        out.append(escape_github_log(_summary(report, "error")))
        out.append("::endgroup::")
    counts = report.counts()
    out.append(f"safeplan 数据校验：{counts['errors']} 个错误，{counts['warnings']} 个警告")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- registry


def render_text(report: ValidationReport, options: Options) -> str:
    """``validate --format text``."""
    return findings_text(report, fail_on=options.fail_on)


def render_json(report: ValidationReport, options: Options) -> str:
    """``validate --format json``."""
    return findings_json(report, fail_on=options.fail_on)


def render_github(report: ValidationReport, options: Options) -> str:
    """``validate --format github``."""
    return findings_github(report)


def render_markdown(report: ValidationReport, options: Options) -> str:
    """``validate --format markdown`` (also what goes to ``$GITHUB_STEP_SUMMARY``)."""
    return findings_markdown(report, fail_on=options.fail_on)
