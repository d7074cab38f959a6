"""The ``safeplan`` command line: parse, call the library, render, pick the exit code.

The only module that imports typer. Library modules load inside the commands, so
``safeplan --help`` never imports pandas.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn, TypeAlias

import typer

from safeplan.render import formats

if TYPE_CHECKING:
    from safeplan.output import Content
    from safeplan.plan import Plan

app = typer.Typer(
    name="safeplan",
    help="safeplan — 安全生产规划控制指标计算与考核：从统计数据和事故台账计算每项控制指标，对照规划目标判定是否达标。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _formats(command: str) -> type[StrEnum]:
    """The ``--format`` choices of a command, from the renderers' registry."""
    return StrEnum(f"{command.title()}Format", {f: f for f in formats(command)})  # type: ignore[return-value]


if TYPE_CHECKING:  # to a type checker a format is its text
    CheckFormat: TypeAlias = str
    GapFormat: TypeAlias = str
    ValidateFormat: TypeAlias = str
    ExplainFormat: TypeAlias = str
    ClassifyFormat: TypeAlias = str
    MonitorFormat: TypeAlias = str
else:
    CheckFormat = _formats("check")
    GapFormat = _formats("gap")
    ValidateFormat = _formats("validate")
    ExplainFormat = _formats("explain")
    ClassifyFormat = _formats("classify")
    MonitorFormat = _formats("monitor")


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
    Path, typer.Option("--config", "-c", help="计划文件（indicators.yaml）。", show_default=True)
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="写入文件（原子写入，不覆盖计划的输入文件），而不是标准输出。"
    ),
]
RegionOpt = Annotated[str | None, typer.Option("--region", "-r", help="只看这个地区。")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="表头和标签的语言（zh 中文，en 英文）。")]
DatasetOpt = Annotated[
    str | None, typer.Option("--dataset", "-d", help="事故台账数据集（默认第一个）。")
]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="出错时显示 Python 调用栈（供开发者排查）。")
]

DEFAULT_CONFIG = Path("indicators.yaml")


#: Characters of one line of a message on stderr beyond which it is cut: messages quote
#: the plan and the data, and a 100 MB cell must not reach the terminal or the CI log.
MAX_MESSAGE_LINE = 4000


def _err(text: str) -> None:
    """Write a message to stderr: every line escaped (no control character from the data
    reaches the terminal), shortened, and UTF-8 whatever the locale. Never raises: when
    stderr itself is gone there is nobody left to tell."""
    from safeplan.output import write_text_to
    from safeplan.render.escape import escape_terminal, shorten

    lines = text.rstrip("\n").split("\n")
    shown = "".join(escape_terminal(shorten(line, MAX_MESSAGE_LINE)) + "\n" for line in lines)
    try:
        write_text_to(sys.stderr, shown)
    except (OSError, ValueError):
        pass


def _warn(text: str) -> None:
    _err(f"警告：{text}")


class _Signalled(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like KeyboardInterrupt, through every cleanup
    (an ``--output`` being written removes its temporary file), then exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    raise _Signalled(signum)


def _install_signal_handlers() -> None:
    """Turn SIGTERM (what CI runners, systemd and docker send) and SIGHUP (a closed
    terminal) into :class:`_Signalled`, as Python turns SIGINT into KeyboardInterrupt."""
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _on_signal)


def _silence_stdout() -> None:
    """Point file descriptor 1 at the null device: what is still buffered for a reader that
    went away or a full disk is dropped, instead of failing again at the final flush."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(fd, 1)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn library errors into a message on stderr and exit 2; tracebacks only with --debug.

    Every way a run can fail ends here with one line naming the cause: safeplan's own
    errors, an interrupt or termination (exit 128 + signal), a reader that went away
    (quietly), memory running out; anything else is an internal error.
    """
    from safeplan.errors import SafeplanError
    from safeplan.output import StdoutError

    debug = debug or _DEBUG["on"]
    try:
        yield
    except SafeplanError as exc:
        if debug:
            raise
        if isinstance(exc, StdoutError):
            _silence_stdout()
        report = getattr(exc, "report", None)
        if report is not None:
            from safeplan.render.findings import findings_text

            _err(findings_text(report))
        _err(f"错误：{exc.message}")
        if exc.hint:
            _err(f"提示：{exc.hint}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except _Signalled as exc:
        raise typer.Exit(128 + exc.signum) from None
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): nothing more can be said to it.
        _silence_stdout()
        raise typer.Exit(1) from None
    except MemoryError:
        if debug:
            raise
        _err("错误：内存不足，无法完成")
        _err("提示：用 --region 只算一个地区，或在内存更大的机器上运行")
        raise typer.Exit(2) from None
    except Exception as exc:
        if debug:
            raise
        _err(f"错误：内部错误：{type(exc).__name__}: {exc}")
        _err("提示：加 --debug 重新运行，并报告显示的 traceback")
        raise typer.Exit(2) from None


def _colour() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stdout = sys.stdout
    return stdout is not None and stdout.isatty() and os.environ.get("TERM") != "dumb"


def _emit(content: Content, output: Path | None, plan: Plan | None, *, csv: bool = False) -> None:
    """Write a rendering (or its pieces) to --output (atomically) or stdout.

    A CSV starts with a UTF-8 BOM so that Excel on Chinese Windows reads it as UTF-8; into
    a pipe (another program reads it, not Excel) it goes without one.
    """
    from safeplan.output import write_bytes_to_stdout, write_output

    if output is None or str(output) == "-":
        if csv and not _stdout_is_file():
            content = _without_bom(content)
        write_bytes_to_stdout(content)
        return
    protected = plan.protected_paths() if plan is not None else set()
    write_output(output, content, protected=protected)


def _stdout_is_file() -> bool:
    """Whether standard output is a regular file (``> report.csv``), not a pipe or a tty."""
    import stat

    try:
        return stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


def _without_bom(content: Content) -> Content:
    """``content`` without the byte-order mark it starts with."""
    from itertools import chain

    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    if isinstance(content, bytes):
        return content.removeprefix(b"\xef\xbb\xbf")
    pieces = iter(content)
    first = next(pieces, "")
    return chain([_without_bom(first)], pieces)  # type: ignore[list-item]


def _step_summary(text: str, plan: Plan) -> None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY`` when it is set.

    The summary is an extra: a summary that cannot be written (a missing directory, a
    full disk, a file the plan reads) is a warning on stderr and never changes the exit
    code, so a passing CI job stays passing.
    """
    from safeplan.errors import UsageError
    from safeplan.output import append_output

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        append_output(Path(summary), text, protected=plan.protected_paths())
    except UsageError as exc:
        _warn(f"没有写入 GITHUB_STEP_SUMMARY：{exc.message}")


def _load(config: Path) -> Plan:
    from safeplan.plan import load_plan

    return load_plan(config)


def _width() -> int | None:
    """The width tables must fit: ``COLUMNS`` when set, else the terminal's; None (no
    limit) in a pipe or a file."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether an option was given on the command line rather than left at its default
    (CSV headers stay the stable English field names unless ``--lang`` was given)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _render(
    command: str,
    fmt: str,
    report: object,
    lang: Lang,
    *,
    colour: bool = False,
    lang_given: bool = False,
    regions: bool = False,
) -> Content:
    """Render through the registry, piece by piece where the format streams; colour and
    the terminal's width only for a terminal (``colour`` says the output goes to stdout)."""
    from safeplan.render import Options, render_stream

    options = Options(
        lang=lang.value,
        colour=colour and _colour(),
        width=_width() if colour else None,
        csv_lang=lang.value if lang_given else None,
        regions=regions,
    )
    return render_stream(command, str(fmt), report, options)


@app.command()
def check(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(help="评估年份，如 2024。")],
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="输出格式。")] = "table",
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """检查：YEAR 年每项控制指标对照目标是否达标。

    先像 validate 一样校验全部数据。退出码：0 全部达标（或地区无约束目标）；1 有未达标或无数据；2 无法评估（用法、计划文件或数据有错，YEAR 不在数据中，或 YEAR 尚未结束——年内进度请用 safeplan monitor）。
    """
    with _errors(debug):
        from safeplan import api

        plan = _load(config)
        report = api.check(plan, year, region=region)
        if format == "text":  # the written summary ends with the outlook as of YEAR
            report.outlook = api.gap(plan, region=region, as_of=year).outlook
        given = _given(ctx, "lang")
        content = _render("check", format, report, lang, colour=output is None, lang_given=given)
        _emit(content, output, plan, csv=format == "csv")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def validate(
    config: ConfigOpt = DEFAULT_CONFIG,
    format: Annotated[ValidateFormat, typer.Option("--format", "-f", help="输出格式。")] = "text",
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="只在有错误时失败（error），或有警告也失败（warning）。"),
    ] = FailOn.error,
    debug: DebugOpt = False,
) -> None:
    """校验：检查计划目录的全部数据文件和计划文件，供数据仓库的 CI 使用。

    每个问题给出代码、文件、行和列。退出码：0 无错误；1 数据有错误；2 用法或计划文件有错。
    """
    with _errors(debug):
        from safeplan import api
        from safeplan.render import Options, render

        plan = _load(config)
        report = api.validate(plan)
        fail: Literal["error", "warning"] = "warning" if fail_on is FailOn.warning else "error"
        options = Options(fail_on=fail)
        _emit(render("validate", str(format), report, options), output, plan)
        if format == "github":
            _step_summary(str(render("validate", "markdown", report, options)), plan)
    raise typer.Exit(0 if report.ok(fail) else 1)


@app.command()
def gap(
    ctx: typer.Context,
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[GapFormat, typer.Option("--format", "-f", help="输出格式。")] = "table",
    output: OutputOpt = None,
    as_of: Annotated[
        int | None,
        typer.Option("--as-of", help="按该年年末的情况评估：忽略之后各年的数据。"),
    ] = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """目标差距：从基期年到最新完整年份的逐年差距表，以及到目标年的趋势展望。

    退出码：0 没有指标预计难以如期实现；1 否则；2 同 check。
    """
    with _errors(debug):
        from safeplan import api

        plan = _load(config)
        report = api.gap(plan, region=region, as_of=as_of)
        given = _given(ctx, "lang")
        content = _render("gap", format, report, lang, colour=output is None, lang_given=given)
        _emit(content, output, plan, csv=format == "csv")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def explain(
    indicator: Annotated[str, typer.Argument(help="指标代码（id），如 gdp_death_rate。")],
    year: Annotated[int, typer.Argument(help="年份。")],
    config: ConfigOpt = DEFAULT_CONFIG,
    region: RegionOpt = None,
    format: Annotated[ExplainFormat, typer.Option("--format", "-f", help="输出格式。")] = "text",
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """说明：一个指标的数值和阈值是怎样算出来的，追溯到每个数据单元格的文件和行。"""
    with _errors(debug):
        from safeplan import api

        plan = _load(config)
        explanation = api.explain(plan, indicator, year, region=region)
        _emit(_render("explain", format, explanation, lang), output, plan)


@app.command()
def monitor(
    through: Annotated[str, typer.Argument(help="统计截止：YYYY-MM（到该月月底）或 YYYY-MM-DD。")],
    config: ConfigOpt = DEFAULT_CONFIG,
    dataset: DatasetOpt = None,
    format: Annotated[MonitorFormat, typer.Option("--format", "-f", help="输出格式。")] = "table",
    regions: Annotated[
        bool, typer.Option("--regions", help="text 格式：每个地区另写一段。")
    ] = False,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """月度监测：1月1日至 THROUGH 的事故起数和死亡人数，与上年同期比较（同比）。

    统计来自事故台账，本月另有环比，并对照年度控制指标的使用进度（时间过半、任务过半）。

    退出码：0 全域实现“双下降”且没有控制指标超进度；1 否则；2 同 check。
    """
    with _errors(debug):
        from safeplan import api

        plan = _load(config)
        report = api.monitor(plan, through, dataset=dataset)
        for note in report.notes:
            _warn(note)
        content = _render("monitor", format, report, lang, colour=output is None, regions=regions)
        _emit(content, output, plan, csv=format == "csv")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def schema(
    output: OutputOpt = None,
    debug: DebugOpt = False,
) -> None:
    """输出 indicators.yaml 的 JSON Schema（供编辑器补全和校验）。"""
    with _errors(debug):
        import json

        from safeplan.plan import schema as make_schema

        _emit(json.dumps(make_schema(), ensure_ascii=False, indent=2) + "\n", output, None)


@app.command()
def classify(
    config: ConfigOpt = DEFAULT_CONFIG,
    dataset: DatasetOpt = None,
    format: Annotated[ClassifyFormat, typer.Option("--format", "-f", help="输出格式。")] = "table",
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """事故分级：按国务院令第493号为每起事故定级并说明依据，附按年份和等级的汇总。"""
    with _errors(debug):
        from safeplan import api

        plan = _load(config)
        result = api.classify(plan, dataset)
        content = _render("classify", format, result, lang, colour=output is None)
        _emit(content, output, plan, csv=format == "csv")


@app.command()
def chart(
    config: ConfigOpt = DEFAULT_CONFIG,
    output: Annotated[Path, typer.Option("--output", "-o", help="图表输出目录。")] = Path("charts"),
    format: Annotated[
        ChartFormat, typer.Option("--format", "-f", help="图片格式。")
    ] = ChartFormat.svg,
    regions: Annotated[bool, typer.Option("--regions", help="每个地区也各画一张图。")] = False,
    region: RegionOpt = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """图表：每项指标一张图，含逐年数值、目标、序时进度路径和趋势外推。"""
    with _errors(debug):
        from safeplan import api
        from safeplan.render.charts import configure_matplotlib, write_charts

        plan = _load(config)
        report = api.gap(plan, region=region)
        warning = configure_matplotlib()
        if warning:
            _warn(warning)
        n = len({r.id for r in report.rows})
        progress = None
        if sys.stderr is not None and sys.stderr.isatty() and (regions or n > 3):
            from rich.progress import Progress

            progress = Progress(transient=True)
        with progress or nullcontext():
            advance = None
            if progress is not None:
                task = progress.add_task("charts", total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

            paths = write_charts(
                report,
                output,
                fmt=format.value,
                lang=lang.value,
                regions=regions or region is not None,
                on_progress=advance,
                protected=plan.protected_paths(),
            )
        from safeplan.render.escape import escape_terminal

        _emit("".join(f"{escape_terminal(str(path))}\n" for path in paths), None, plan)


class ReportFormat(StrEnum):
    """Formats of ``report``."""

    html = "html"
    docx = "docx"


@app.command()
def report(
    config: ConfigOpt = DEFAULT_CONFIG,
    format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="html（单个自包含网页）或 docx（Word 文档）。"),
    ] = ReportFormat.html,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="输出文件（默认 report.html 或 report.docx）。"),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="按该年年末的情况评估（默认：全部指标都有数据的最新完整年份）。",
        ),
    ] = None,
    lang: LangOpt = Lang.zh,
    debug: DebugOpt = False,
) -> None:
    """评估报告：总体情况、完成情况表、分地区表、图表和方法说明（HTML 或 Word）。"""
    with _errors(debug):
        from datetime import datetime

        from safeplan import api
        from safeplan.evaluate.gap import report_year
        from safeplan.render import Options, render
        from safeplan.render.charts import configure_matplotlib
        from safeplan.render.document import Evaluation

        plan = _load(config)
        # The report as the plan stood at the end of YEAR: no later data in any part of it.
        gap_report = api.gap(plan, as_of=year)
        latest = year or report_year(gap_report)
        check_report = api.check(plan, latest)
        warning = configure_matplotlib()
        if warning:
            _warn(warning)
        options = Options(lang=lang.value, generated=datetime.now().strftime("%Y-%m-%d %H:%M"))
        content = render("report", format.value, Evaluation(check_report, gap_report), options)
        target = output if output is not None else Path(f"report.{format.value}")
        _emit(content, target, plan)
        _emit(f"{target}\n", None, plan)


_DEBUG = {"on": False}


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示 Python 调用栈（供开发者排查）。")
    ] = False,
) -> None:
    """safeplan — 安全生产规划控制指标计算与考核."""
    _DEBUG["on"] = debug


def _prepare_process() -> None:
    """Make the process safe to run whatever state it was started in.

    - Standard streams closed at start (``>&-``) get the null device on their descriptor,
      so no file safeplan opens later (a data file, an ``--output`` temporary) can become
      descriptor 1 and receive output; ``sys.stdout`` stays ``None``, and writing a report
      to it is an error that says standard output is closed.
    - Standard output and error write UTF-8 whatever the locale or ``PYTHONIOENCODING``:
      the output is Chinese, and JSON and CSV are UTF-8 by definition.
    - SIGTERM and SIGHUP unwind like SIGINT (see :class:`_Signalled`).
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)
            except OSError:
                continue
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if stream is not None and encoding not in ("utf-8", "utf8"):
            try:
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                pass  # write_text_to still writes UTF-8 bytes to its buffer
    _install_signal_handlers()


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
        _prepare_process()
        app()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    except _Signalled as exc:
        code = 128 + exc.signum
    if not isinstance(code, int):
        # sys.exit("message") semantics: the message to stderr, status 1.
        if code is not None:
            _err(str(code))
        code = 0 if code is None else 1
    code = _flush_standard_streams(code)
    os._exit(code)


def _flush_standard_streams(code: int) -> int:
    """Flush stdout and stderr before the quick exit; the exit status after it.

    Output that cannot be delivered is an error (exit 2, one line on stderr), except to a
    reader that went away (``| head``), which ends quietly with status 1 at least.
    """
    from safeplan.errors import os_reason

    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = code or 1
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = os_reason(exc) if isinstance(exc, OSError) else "标准输出已关闭"
        _err(f"错误：无法写入标准输出：{reason}")
        code = max(code, 2) if code < 128 else code
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 1
    return code
