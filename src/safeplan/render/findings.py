"""``validate``'s findings in every format: text, JSON, GitHub annotations, Markdown.

Findings quote what the data holds (cell values, region and sector names), which is
untrusted: every value is escaped for the medium it is written to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeplan.render.json import dump_json
from safeplan.render.markdown import markdown_table

if TYPE_CHECKING:
    from safeplan.findings import Finding, ValidationReport
    from safeplan.render import Options


def findings_text(report: ValidationReport, *, fail_on: str = "error") -> str:
    """One ``path:line:col: severity code message`` line per finding, then a summary."""
    lines = []
    for f in report.findings:
        text = f"{f.location}: {f.severity} {f.code} {f.message}"
        if f.hint:
            text += f" (hint: {f.hint})"
        lines.append(text)
    counts = report.counts()
    verdict = "ok" if report.ok(fail_on) else "failed"  # type: ignore[arg-type]
    lines.append(
        f"{len(report.files)} file(s) checked: {counts['errors']} error(s), "
        f"{counts['warnings']} warning(s) — {verdict}"
    )
    return "\n".join(lines) + "\n"


def findings_json(report: ValidationReport, *, fail_on: str = "error") -> str:
    """``validate --format json``: the versioned envelope."""
    return dump_json(report.to_dict(fail_on), "findings")  # type: ignore[arg-type]


def findings_markdown(report: ValidationReport, *, fail_on: str = "error") -> str:
    """A Markdown summary (also what goes to ``$GITHUB_STEP_SUMMARY``)."""
    counts = report.counts()
    icon = "✅" if report.ok(fail_on) else "❌"  # type: ignore[arg-type]
    head = (
        f"## {icon} safeplan validate\n\n{len(report.files)} file(s): "
        f"**{counts['errors']}** error(s), **{counts['warnings']}** warning(s)\n\n"
    )
    if not report.findings:
        return head
    rows = [
        [f.location, f.severity, f"`{f.code}`", f.message, f.hint or ""] for f in report.findings
    ]
    return head + markdown_table(["where", "severity", "code", "message", "hint"], rows)


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


#: GitHub shows at most this many annotations of each severity per step.
GITHUB_ANNOTATIONS = 10


def findings_github(report: ValidationReport) -> str:
    """GitHub workflow commands, grouped per file and code so every kind of problem shows.

    GitHub keeps only ten annotations of each severity per step, so one annotation is
    written per (file, code) group, naming its first place and how many more there are;
    every finding is also listed in the log, inside a collapsible group.
    """
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.file, f.code), []).append(f)
    out = []
    for (file, code), items in groups.items():
        first = items[0]
        command = "error" if first.severity == "error" else "warning"
        props = [f"file={_gh_escape(file, prop=True)}"]
        if first.line is not None:
            props.append(f"line={first.line}")
        if first.column is not None:
            props.append(f"col={first.column}")
        more = (
            f" (+{len(items) - 1} more: lines "
            + ", ".join(str(f.line) for f in items[1:21] if f.line is not None)
            + (" …" if len(items) > 21 else "")
            + ")"
            if len(items) > 1
            else ""
        )
        title = f"safeplan {code}" + (f" ×{len(items)}" if len(items) > 1 else "")
        props.append(f"title={_gh_escape(title, prop=True)}")
        message = first.message + more + (f" — {first.hint}" if first.hint else "")
        out.append(f"::{command} {','.join(props)}::{_gh_escape(message)}")
    if report.findings:
        out.append("::group::all findings")
        out.append(findings_text(report).rstrip("\n"))
        out.append("::endgroup::")
    counts = report.counts()
    out.append(f"safeplan validate: {counts['errors']} error(s), {counts['warnings']} warning(s)")
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
