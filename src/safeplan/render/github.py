"""``validate --format github``: workflow annotations and a log group per run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeplan.render.text import findings_text

if TYPE_CHECKING:
    from safeplan.findings import Finding, ValidationReport
    from safeplan.render import Options


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


def render_validate(report: ValidationReport, options: Options) -> str:
    """``validate --format github``."""
    return findings_github(report)
