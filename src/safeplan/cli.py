"""The ``safeplan`` command line: parse, call the library, render, pick the exit code.

The only module that imports typer. Library modules load inside the commands, so
``safeplan --help`` never imports pandas.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer

if TYPE_CHECKING:
    from safeplan.config import Plan

app = typer.Typer(
    name="safeplan",
    help="Check the control indicators of a work-safety plan (安全生产规划) against its targets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class CheckFormat(StrEnum):
    """Formats of ``check``."""

    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class GapFormat(StrEnum):
    """Formats of ``gap``."""

    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    xlsx = "xlsx"


class ValidateFormat(StrEnum):
    """Formats of ``validate``."""

    text = "text"
    json = "json"
    github = "github"
    markdown = "markdown"


class ExplainFormat(StrEnum):
    """Formats of ``explain``."""

    text = "text"
    json = "json"


class ClassifyFormat(StrEnum):
    """Formats of ``classify``."""

    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class ChartFormat(StrEnum):
    """Formats of ``chart``."""

    svg = "svg"
    png = "png"


class Lang(StrEnum):
    """Languages of labels and headings."""

    zh = "zh"
    en = "en"


class FailOn(StrEnum):
    """What makes ``validate`` fail."""

    error = "error"
    warning = "warning"


ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="The plan file.", show_default=True)
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout."),
]
RegionOpt = Annotated[str | None, typer.Option("--region", "-r", help="Only this region (地区).")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of labels and headings.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show Python tracebacks.")]

DEFAULT_CONFIG = Path("indicators.yaml")


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


@contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn library errors into a message on stderr and exit 2; tracebacks only with --debug."""
    from safeplan.errors import SafeplanError

    debug = debug or _DEBUG["on"]
    try:
        yield
    except SafeplanError as exc:
        if debug:
            raise
        report = getattr(exc, "report", None)
        if report is not None:
            from safeplan.render import findings_text

            _err(findings_text(report))
        _err(f"error: {exc.message}")
        if exc.hint:
            _err(f"Tip: {exc.hint}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if debug:
            raise
        _err(f"error: internal error: {type(exc).__name__}: {exc}")
        _err("Tip: run again with --debug and report the traceback")
        raise typer.Exit(2) from None


def _colour() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _emit(
    content: str | bytes, output: Path | None, plan: Plan | None, *, binary: bool = False
) -> None:
    """Write a rendering to --output (atomically) or stdout."""
    from safeplan.output import write_bytes_to_stdout, write_output

    if output is None or str(output) == "-":
        write_bytes_to_stdout(content)
        return
    protected = plan.protected_paths() if plan is not None else set()
    write_output(output, content, protected=protected)


def _load(config: Path) -> Plan:
    from safeplan.config import load_plan

    return load_plan(config)


@app.command()
def check(
    year: Annotated[int, typer.Argument(help="The year to evaluate, e.g. 2024.")],
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CheckFormat.table,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """Evaluate every indicator for YEAR against its target.

    Exit 0 when every result is met, 1 when one is missed or has no data, 2 when nothing
    could be evaluated (bad usage, bad config, invalid data, YEAR absent from the data).
    """
    with _errors(debug):
        from safeplan import api, render

        plan = _load(config)
        report = api.check(plan, year, region=region)
        renderers: dict[CheckFormat, Callable[[], str]] = {
            CheckFormat.table: lambda: render.check_table(
                report, colour=output is None and _colour(), lang=lang.value
            ),
            CheckFormat.json: lambda: render.check_json(report),
            CheckFormat.markdown: lambda: render.check_markdown(report, lang=lang.value),
            CheckFormat.csv: lambda: render.results_csv(report.results),
        }
        _emit(renderers[format](), output, plan)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def validate(
    config: ConfigOpt = DEFAULT_CONFIG,
    format: Annotated[
        ValidateFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ValidateFormat.text,
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Fail on errors only, or on warnings too.")
    ] = FailOn.error,
    debug: DebugOpt = False,
) -> None:
    """Check the plan directory's data files and config, as CI on a data repository would.

    Exit 0 when there is no error, 1 when the data has errors, 2 on bad usage or bad config.
    """
    with _errors(debug):
        from safeplan import api, render

        plan = _load(config)
        report = api.validate(plan)
        fail: Literal["error", "warning"] = "warning" if fail_on is FailOn.warning else "error"
        renderers: dict[ValidateFormat, Callable[[], str]] = {
            ValidateFormat.text: lambda: render.findings_text(report, fail_on=fail),
            ValidateFormat.json: lambda: render.findings_json(report, fail_on=fail),
            ValidateFormat.github: lambda: render.findings_github(report),
            ValidateFormat.markdown: lambda: render.findings_markdown(report, fail_on=fail),
        }
        _emit(renderers[format](), output, plan)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if format is ValidateFormat.github and summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(render.findings_markdown(report, fail_on=fail))
    raise typer.Exit(0 if report.ok(fail) else 1)


@app.command()
def gap(
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[
        GapFormat, typer.Option("--format", "-f", help="Output format.")
    ] = GapFormat.table,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """The target-gap table from the baseline year, and the outlook to the target year.

    Exit 0 when every indicator is on track, 1 otherwise, 2 as for check.
    """
    with _errors(debug):
        from safeplan import api, render

        plan = _load(config)
        report = api.gap(plan, region=region)
        if format is GapFormat.xlsx:
            from safeplan.workbook import gap_workbook

            if output is None and sys.stdout.isatty():
                from safeplan.errors import UsageError

                raise UsageError("xlsx is binary", hint="add --output gap.xlsx")
            _emit(gap_workbook(report, lang=lang.value), output, plan)
        else:
            renderers: dict[GapFormat, Callable[[], str]] = {
                GapFormat.table: lambda: render.gap_table(
                    report, colour=output is None and _colour(), lang=lang.value
                ),
                GapFormat.json: lambda: render.gap_json(report),
                GapFormat.markdown: lambda: render.gap_markdown(report, lang=lang.value),
                GapFormat.csv: lambda: render.gap_csv(report),
            }
            _emit(renderers[format](), output, plan)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def explain(
    indicator: Annotated[str, typer.Argument(help="The indicator id, e.g. gdp_death_rate.")],
    year: Annotated[int, typer.Argument(help="The year.")],
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExplainFormat.text,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """How one indicator's value and threshold were computed, down to the source lines."""
    with _errors(debug):
        import json

        from safeplan import api, render

        plan = _load(config)
        explanation = api.explain(plan, indicator, year, region=region)
        if format is ExplainFormat.json:
            text = json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n"
        else:
            plan_dict = {"region": plan.info.region, "baseline_year": plan.info.baseline_year}
            text = render.explanation_text(explanation, plan_dict, lang.value)
        _emit(text, output, plan)


@app.command()
def schema(
    output: OutputOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print the JSON Schema of indicators.yaml (for editors' completion and validation)."""
    with _errors(debug):
        import json

        from safeplan.config import schema as make_schema

        _emit(json.dumps(make_schema(), ensure_ascii=False, indent=2) + "\n", output, None)


@app.command()
def classify(
    config: ConfigOpt = DEFAULT_CONFIG,
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", "-d", help="The records dataset (default: the first)."),
    ] = None,
    format: Annotated[
        ClassifyFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ClassifyFormat.table,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """Classify every accident record by 国务院令第493号, with a summary by year and class."""
    with _errors(debug):
        from safeplan import classification

        plan = _load(config)
        result = classification.classify_plan(plan, dataset)
        _emit(classification.render(result, format.value, lang=lang.value), output, plan)


@app.command()
def chart(
    config: ConfigOpt = DEFAULT_CONFIG,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for the charts.")
    ] = Path("charts"),
    format: Annotated[
        ChartFormat, typer.Option("--format", "-f", help="Image format.")
    ] = ChartFormat.svg,
    regions: Annotated[bool, typer.Option("--regions", help="Also one chart per region.")] = False,
    region: RegionOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """One chart per indicator: the series, target, glide path and projection."""
    with _errors(debug):
        from safeplan import api
        from safeplan.charts import configure_matplotlib, write_charts

        plan = _load(config)
        report = api.gap(plan, region=region)
        warning = configure_matplotlib()
        if warning:
            _err(f"warning: {warning}")
        gap_dict = report.to_dict()
        n = len({r["id"] for r in gap_dict["rows"]})
        progress = None
        if sys.stderr.isatty() and (regions or n > 3):
            from rich.progress import Progress

            progress = Progress(transient=True)
        with progress or nullcontext():
            advance = None
            if progress is not None:
                task = progress.add_task("charts", total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

            paths = write_charts(
                gap_dict,
                output,
                fmt=format.value,
                lang=lang.value,
                regions=regions or region is not None,
                on_progress=advance,
            )
        for path in paths:
            sys.stdout.write(f"{path}\n")


@app.command()
def report(
    config: ConfigOpt = DEFAULT_CONFIG,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    year: Annotated[
        int | None,
        typer.Option("--year", help="The year of the check table (default: the latest)."),
    ] = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """One self-contained HTML evaluation report: summary, tables, charts, method."""
    with _errors(debug):
        from datetime import datetime

        from safeplan import api
        from safeplan.charts import configure_matplotlib
        from safeplan.report import render_report

        plan = _load(config)
        gap_report = api.gap(plan)
        latest = year or max(r.year for r in gap_report.rows if r.value is not None)
        check_report = api.check(plan, latest)
        warning = configure_matplotlib()
        if warning:
            _err(f"warning: {warning}")
        html = render_report(
            check_report.to_dict(),
            gap_report.to_dict(),
            lang=lang.value,
            generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
        _emit(html, output, plan)
        sys.stdout.write(f"{output}\n")


_DEBUG = {"on": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks.")] = False,
) -> None:
    """safeplan — 安全生产规划控制指标计算与考核."""
    _DEBUG["on"] = debug


def main() -> NoReturn:
    """The console script.

    It ends with :func:`os._exit` once its output is flushed: tearing down an interpreter
    that holds pandas frames and thousands of results costs more than the command's own
    work at national scale, and nothing is left to clean up (every file is already
    closed; ``--output`` was written and renamed before).
    """
    # A short run of a CLI leaves no garbage cycles worth collecting: the cyclic collector
    # would only rescan the objects of pandas' import and of the results, again and again.
    gc.disable()
    code: int | str | None = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    if not isinstance(code, int):
        # sys.exit("message") semantics: the message to stderr, status 1.
        if code is not None:
            _err(str(code))
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (`>&-`): nothing to flush
            continue
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            # Reader gone (`| head`) or stream closed: nothing more can be said on it.
            code = code or 1
    os._exit(code)
