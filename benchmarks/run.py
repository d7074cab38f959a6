"""Time safeplan's commands as whole processes against baselines, and check the budgets.

Every measured command is a fresh process (``subprocess``), timed by wall clock from spawn
to exit and reaped with ``os.wait4`` for its own peak memory (``ru_maxrss``) and CPU time.
Runs are INTERLEAVED: each round runs every command once, in the same order, and there are
``--repeats`` rounds after one warm-up round, so that drift of the machine (caches,
frequency, neighbours) hits every command alike.  The figure reported is the MEDIAN.

Run it with the project's interpreter, so that ``safeplan`` (next to ``sys.executable``)
and the baselines use the same Python and packages::

    .venv/bin/python benchmarks/run.py              # full run, writes BENCHMARKS.md
    .venv/bin/python benchmarks/run.py --quick      # small data, 1 repeat (CI smoke)

See benchmarks/README.md for what is measured and the budgets.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
FRICTIONLESS_VENV = WORK / "venv-frictionless"
CALAMINE_VENV = WORK / "venv-calamine"
YEAR = "2024"
THROUGH = "2024-10"  # monitor: 1 January to 31 October of the last year of the records
XLSX_ROWS = 100_000  # records in the ledger workbook (1 000 with --quick)
SLOW_SECONDS = 30.0  # a command slower than this in the warm-up gets at most SLOW_REPEATS
SLOW_REPEATS = 3
GIB = 1024**3

IMPORT_FLOOR = "import pandas, pydantic, yaml, rich, typer"
READ_CSV = "import sys, pandas as pd\nfor f in sys.argv[1:]: pd.read_csv(f)"
# Every row of the first sheet as Python values: all that python-calamine does for a reader.
READ_XLSX = """\
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
"""
VERSIONS = """\
import importlib.metadata as m, json
out = {}
for name in ("safeplan", "pandas", "numpy", "pydantic", "typer", "rich", "PyYAML", "openpyxl",
             "python-calamine", "matplotlib", "python-docx", "frictionless"):
    try:
        out[name] = m.version(name)
    except m.PackageNotFoundError:
        pass
print(json.dumps(out))
"""


# --------------------------------------------------------------------------- model


@dataclass
class Case:
    """One command to time."""

    key: str  # stable id, used by budgets
    group: str  # data set it runs on
    label: str  # what the table shows
    argv: list[str]
    cwd: Path
    pipe: bool = False  # stdout to a pipe that is drained (else /dev/null)
    ok_codes: tuple[int, ...] = (0,)
    ref: str | None = None  # key of the case this one's ratio is taken against
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    stderr_tail: str = ""
    out_bytes: int = 0
    crashed: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024 if self.rss_kib else float("nan")

    @property
    def failed(self) -> bool:
        return self.crashed or any(c not in self.ok_codes for c in self.codes)


@dataclass
class Budget:
    """A budget: ``value(case) <= limit``, reported PASS/FAIL."""

    text: str
    case: str
    limit_of: str | None  # ratio budget: case median <= factor x limit_of median
    factor: float
    memory: bool = False
    stretch: bool = False
    measured: str = ""
    cpu: str = ""  # the same ratio of CPU times (user + system), for a shared machine
    verdict: str = "n/a"


def run_once(case: Case, env: dict[str, str]) -> None:
    """Run ``case`` once; append its wall time, CPU time, peak RSS and exit code."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            case.argv,
            cwd=case.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if case.pipe else subprocess.DEVNULL,
            stderr=err,
        )
        nbytes = 0
        if proc.stdout is not None:
            fd = proc.stdout.fileno()
            while chunk := os.read(fd, 1 << 16):
                nbytes += len(chunk)
            proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        case.walls.append(wall)
        case.cpus.append(usage.ru_utime + usage.ru_stime)
        case.rss_kib.append(usage.ru_maxrss)  # KiB on Linux
        case.codes.append(proc.returncode)
        case.out_bytes = nbytes
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        # A crash exits 1 like a missed target; the traceback tells them apart.
        if proc.returncode not in case.ok_codes or "Traceback (most recent call last)" in stderr:
            case.crashed = True
            case.stderr_tail = stderr[-2000:]


def run_interleaved(cases: list[Case], repeats: int, env: dict[str, str]) -> None:
    """One warm-up round, then ``repeats`` rounds each running every case once."""
    counted: dict[str, int] = {}
    print(f"warm-up round ({len(cases)} commands)", file=sys.stderr, flush=True)
    for case in cases:
        run_once(case, env)
        slow = case.walls[0] > SLOW_SECONDS
        counted[case.key] = min(repeats, SLOW_REPEATS) if slow else repeats
        print(
            f"  {case.walls[0]:8.3f} s  exit {case.codes[0]}  {case.group}: {case.label}",
            file=sys.stderr,
            flush=True,
        )
        case.walls.clear()
        case.cpus.clear()
        case.rss_kib.clear()
    for r in range(repeats):
        print(f"round {r + 1}/{repeats}", file=sys.stderr, flush=True)
        for case in cases:
            if len(case.walls) < counted[case.key]:
                run_once(case, env)


# --------------------------------------------------------------------------- setup


def _stamp(params: dict[str, object]) -> str:
    text = json.dumps(params, sort_keys=True) + (HERE / "generate.py").read_text("utf-8")
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_data(kind: str, outdir: Path, **params: object) -> Path:
    """Generate a plan directory unless an identical one (same params, same generator) exists."""
    stamp_file = outdir / ".stamp"
    stamp = _stamp({"kind": kind, **params})
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return outdir
    # In a child process: the parent must stay small, because a child's ru_maxrss starts
    # from the RSS of the process that spawned it.
    print(f"generating {outdir.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
    argv = [sys.executable, str(HERE / "generate.py"), kind, str(outdir)]
    for name, value in params.items():
        argv += [f"--{'rows' if name == 'n_rows' else 'regions'}", str(value)]
    subprocess.run(argv, check=True)
    stamp_file.write_text(stamp)
    return outdir


def ensure_venv(venv: Path, package: str, program: str) -> Path | None:
    """The benchmark's own venv holding ``package`` (created when missing, with pip from the
    same package index as the project's); the path of ``program`` in it, or None."""
    exe = venv / "bin" / program
    if exe.exists():
        return exe
    print(
        f"creating {venv.relative_to(ROOT)} (pip install {package}) ...",
        file=sys.stderr,
        flush=True,
    )
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", package],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"warning: could not install {package} ({exc})", file=sys.stderr)
        return None
    return exe if exe.exists() else None


def versions(python: str | Path) -> dict[str, str]:
    out = subprocess.run([str(python), "-c", VERSIONS], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def machine(load_at_start: str) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} logical ({usable} usable)",
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "load average (1/5/15 min) at the start": load_at_start,
        "load average (1/5/15 min) at the end": load_average(),
    }


# --------------------------------------------------------------------------- cases


@dataclass
class Setup:
    """What a run measures with: executables and plan directories."""

    safeplan: Path | None
    frictionless: Path | None
    calamine_python: str  # the interpreter of the bare workbook read
    calamine_own_venv: bool
    county_dir: Path
    record_dirs: dict[int, Path]
    xlsx_dir: Path
    xlsx_rows: int
    full: bool  # every command; --quick times the same commands on small data


def build_cases(setup: Setup) -> list[Case]:
    py = sys.executable
    safeplan = setup.safeplan
    cases: list[Case] = []
    home = ROOT

    def add(key: str, group: str, label: str, argv: list[str], cwd: Path, **kw: object) -> None:
        cases.append(Case(key, group, label, argv, cwd, **kw))  # type: ignore[arg-type]

    def sp(tag: str, name: str, args: list[str], plan: Path, ref: str, **kw: object) -> None:
        """A safeplan command on a plan directory."""
        if safeplan is not None:
            label = "safeplan " + " ".join(args) + kw.pop("note", "")  # type: ignore[operator]
            add(f"{tag}:{name}", tag, label, [str(safeplan), *args], plan, ref=ref, **kw)

    # Baselines that need no data.
    add("python", "-", 'python -c "pass"  (interpreter start-up)', [py, "-c", "pass"], home)
    add("floor", "-", f'python -c "{IMPORT_FLOOR}"  (import floor)', [py, "-c", IMPORT_FLOOR], home)
    add("typer", "-", 'python -c "import typer"', [py, "-c", "import typer"], home)
    if safeplan:
        add("help", "-", "safeplan --help", [str(safeplan), "--help"], home, pipe=True, ref="typer")

    miss = (0, 1)  # commands that exit 1 when a target is missed

    def read_csv(tag: str, plan: Path) -> None:
        files = sorted(str(p.relative_to(plan)) for p in (plan / "data").glob("*.csv"))
        add(
            f"{tag}:read_csv",
            tag,
            "pandas.read_csv of every data file (bare)",
            [py, "-c", READ_CSV, *files],
            plan,
        )

    def frictionless(tag: str, plan: Path) -> None:
        if setup.frictionless:
            add(
                f"{tag}:frictionless",
                tag,
                "frictionless validate datapackage.json (typed schema)",
                [str(setup.frictionless), "validate", "datapackage.json"],
                plan,
            )

    full = setup.full
    # National county statistics: every command on the yearly tables.
    tag, plan = "counties", setup.county_dir
    read_csv(tag, plan)
    if full:
        frictionless(tag, plan)
    sp(tag, "validate", ["validate"], plan, "floor")
    json_out = ["--format", "json"]  # stdout to /dev/null
    sp(tag, "check-json", ["check", YEAR, *json_out], plan, "floor", ok_codes=miss)
    sp(tag, "check-table", ["check", YEAR], plan, "floor", pipe=True, ok_codes=miss,
       note="  (table to a pipe)")  # fmt: skip
    sp(tag, "gap-json", ["gap", "--format", "json"], plan, "floor", pipe=True, ok_codes=miss,
       note="  (to a pipe)")  # fmt: skip
    sp(tag, "explain", ["explain", "deaths", YEAR], plan, "floor", pipe=True)
    for fmt in ("html", "docx"):
        out = ["--output", str(WORK / f"report.{fmt}")]
        sp(tag, f"report-{fmt}", ["report", "--format", fmt, *out], plan, "floor", pipe=True)
    sp(tag, "chart", ["chart", "--output", str(WORK / "charts")], plan, "floor", pipe=True)

    # Accident records: each size, with the full set of commands on the biggest.
    biggest = max(setup.record_dirs)
    for n, plan in sorted(setup.record_dirs.items()):
        tag = records_tag(n)
        read_csv(tag, plan)
        if n == biggest and full:
            frictionless(tag, plan)
        sp(tag, "validate", ["validate"], plan, f"{tag}:read_csv")
        sp(tag, "check-json", ["check", YEAR, *json_out], plan, f"{tag}:read_csv", ok_codes=miss)
        monitor = ["monitor", THROUGH, *json_out]
        sp(tag, "monitor-json", monitor, plan, f"{tag}:validate", ok_codes=miss)
        classify = ["classify", "--format", "csv"]
        sp(tag, "classify-csv", classify, plan, f"{tag}:validate")
        if n != biggest:
            continue
        sp(tag, "check-table", ["check", YEAR], plan, f"{tag}:read_csv", pipe=True,
           ok_codes=miss, note="  (table to a pipe)")  # fmt: skip
        sp(tag, "gap-json", ["gap", "--format", "json"], plan, f"{tag}:read_csv", pipe=True,
           ok_codes=miss, note="  (to a pipe)")  # fmt: skip
        sp(tag, "explain", ["explain", "deaths", YEAR], plan, f"{tag}:validate", pipe=True)
        sp(tag, "classify-json", ["classify", *json_out], plan, f"{tag}:validate")
        sp(tag, "classify-table", ["classify"], plan, f"{tag}:validate", pipe=True,
           note="  (to a pipe)")  # fmt: skip

    # The ledger as a workbook, against reading all its cells with python-calamine.
    tag, plan = "xlsx", setup.xlsx_dir
    book = "data/accident_records.xlsx"
    where = "own venv" if setup.calamine_own_venv else "project's interpreter"
    add(
        f"{tag}:calamine",
        tag,
        f"python-calamine: every row of the sheet ({where}, bare)",
        [setup.calamine_python, "-c", READ_XLSX, book],
        plan,
    )
    sp(tag, "validate", ["validate"], plan, f"{tag}:calamine")
    return cases


def records_tag(n: int) -> str:
    return f"records-{n}"


def build_budgets(biggest: int, xlsx_rows: int) -> list[Budget]:
    r = records_tag(biggest)
    return [
        Budget(
            f"validate of a {xlsx_rows:,}-record .xlsx ledger ≤ 2 × python-calamine's bare read",
            "xlsx:validate",
            "xlsx:calamine",
            2.0,
        ),
        Budget(
            f"classify --format csv of {biggest:,} records ≤ 3 × validate",
            f"{r}:classify-csv",
            f"{r}:validate",
            3.0,
        ),
        Budget(
            "gap --format json at county scale ≤ 2 × import floor",
            "counties:gap-json",
            "floor",
            2.0,
        ),
        Budget(
            f"monitor on {biggest:,} records ≤ 1.5 × validate",
            f"{r}:monitor-json",
            f"{r}:validate",
            1.5,
        ),
        Budget(
            "check (json) at county scale ≤ 1.5 × import floor", "counties:check-json", "floor", 1.5
        ),
        Budget(
            "check (table) at county scale ≤ 1.5 × import floor",
            "counties:check-table",
            "floor",
            1.5,
        ),
        Budget("validate at county scale ≤ 1.5 × import floor", "counties:validate", "floor", 1.5),
        Budget("`safeplan --help` ≤ 1.5 × `import typer`", "help", "typer", 1.5),
        Budget(
            f"validate on {biggest:,} records ≤ 0.2 × frictionless validate",
            f"{r}:validate",
            f"{r}:frictionless",
            0.2,
        ),
        Budget(
            f"(stretch) validate on {biggest:,} records ≤ 2 × bare read_csv",
            f"{r}:validate",
            f"{r}:read_csv",
            2.0,
            stretch=True,
        ),
        Budget(
            f"peak memory of check on {biggest:,} records ≤ 1 GiB",
            f"{r}:check-json",
            None,
            GIB,
            memory=True,
        ),
    ]


def judge(budgets: list[Budget], cases: dict[str, Case]) -> None:
    for b in budgets:
        case = cases.get(b.case)
        ref = cases.get(b.limit_of) if b.limit_of else None
        if case is None or not case.walls or (b.limit_of and (ref is None or not ref.walls)):
            b.measured, b.verdict = "not measured", "n/a"
            continue
        if case.failed:
            b.measured, b.verdict = f"exit {sorted(set(case.codes))}", "ERROR"
            continue
        if b.memory:
            peak = case.peak_mib
            b.measured = f"{peak:.0f} MiB"
            b.verdict = "PASS" if peak * 1024**2 <= b.factor else "FAIL"
        else:
            assert ref is not None
            ratio = case.median / ref.median
            b.measured = f"{case.median:.3f} s / {ref.median:.3f} s = {ratio:.2f}×"
            b.cpu = f"{case.cpu / ref.cpu:.2f}×"
            b.verdict = "PASS" if ratio <= b.factor else "FAIL"


# --------------------------------------------------------------------------- report


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    align = align or "l" * len(header)
    marks = {"l": "---", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def timings_table(cases: list[Case], by_key: dict[str, Case]) -> str:
    rows = []
    for c in cases:
        ref = by_key.get(c.ref) if c.ref else None
        ratio = f"{c.median / ref.median:.2f}× {ref_name(ref)}" if ref and ref.walls else ""
        spread = f"{min(c.walls):.3f}–{max(c.walls):.3f}" if c.walls else ""
        status = "ERROR" if c.failed else "ok"
        codes = ",".join(str(x) for x in sorted(set(c.codes)))
        rows.append(
            [
                c.group,
                f"`{c.label}`",
                f"{c.median:.3f}",
                spread,
                f"{c.cpu:.3f}",
                ratio,
                f"{c.peak_mib:.0f}",
                str(len(c.walls)),
                f"{codes} {status}",
            ]
        )
    return md_table(
        ["data", "command", "median s", "min–max s", "CPU s", "ratio", "peak MiB", "runs", "exit"],
        rows,
        "llrrrlrrl",
    )


def ref_name(ref: Case) -> str:
    names = {"floor": "floor", "typer": "import typer"}
    if ref.key in names:
        return names[ref.key]
    return ref.key.split(":", 1)[1]


def memory_table(cases: list[Case], groups: Sequence[str]) -> str:
    """Peak memory of each safeplan command on the national data sets."""
    commands: dict[str, dict[str, str]] = {}
    for c in cases:
        if c.group in groups and c.label.startswith("safeplan"):
            name = c.key.split(":", 1)[1]
            commands.setdefault(name, {})[c.group] = f"{c.peak_mib:.0f}"
    rows = [[f"`{name}`", *(by.get(g, "–") for g in groups)] for name, by in commands.items()]
    return md_table(["command", *(f"{g} MiB" for g in groups)], rows, "l" + "r" * len(groups))


def scaling_table(by_key: dict[str, Case], sizes: Sequence[int]) -> str:
    floor = by_key.get("floor")
    base = floor.median if floor and floor.walls else float("nan")
    whats = ("read_csv", "validate", "check-json", "classify-csv")
    rows = []
    for n in sizes:
        t = records_tag(n)
        row = [f"{n:,}"]
        for what in whats:
            c = by_key.get(f"{t}:{what}")
            row.append(f"{c.median:.3f}" if c and c.walls else "–")
        for what in whats[1:]:
            c = by_key.get(f"{t}:{what}")
            row.append(f"{(c.median - base) / n * 1e6:.2f}" if c and c.walls else "–")
        for what in ("check-json", "classify-csv"):
            c = by_key.get(f"{t}:{what}")
            row.append(f"{c.peak_mib:.0f}" if c and c.walls else "–")
        rows.append(row)
    header = [
        "records",
        "read_csv s",
        "validate s",
        "check s",
        "classify csv s",
        "validate − floor, s per 10⁶",
        "check − floor, s per 10⁶",
        "classify − floor, s per 10⁶",
        "check peak MiB",
        "classify peak MiB",
    ]
    return md_table(header, rows, "r" * len(header))


def budgets_table(budgets: list[Budget]) -> str:
    return md_table(
        ["budget", "measured (wall-clock medians)", "CPU time ratio", "verdict"],
        [[b.text, b.measured, b.cpu, f"**{b.verdict}**"] for b in budgets],
    )


def describe_data(setup: Setup) -> str:
    def size(p: Path, pattern: str = "*.csv") -> str:
        total = sum(f.stat().st_size for f in (p / "data").glob(pattern))
        return f"{total / 1024**2:.1f} MiB"

    county_dir = setup.county_dir
    lines = [
        f"- `counties`: `{county_dir.relative_to(ROOT)}` — 4 yearly CSV files "
        f"(accidents, gdp, employment, vehicles), {size(county_dir)}, 5 indicators"
    ]
    for n, p in sorted(setup.record_dirs.items()):
        lines.append(
            f"- `{records_tag(n)}`: `{p.relative_to(ROOT)}` — {n:,} accident records "
            f"2015–2024, {size(p)}, 5 indicators on derived columns (one an annual cap)"
        )
    lines.append(
        f"- `xlsx`: `{setup.xlsx_dir.relative_to(ROOT)}` — {setup.xlsx_rows:,} accident "
        "records like those above as a workbook (.xlsx, sheet 台账, Excel date cells, "
        f"numbers as numbers, blank injuries empty), {size(setup.xlsx_dir, '*.xlsx')}"
    )
    return "\n".join(lines)


def write_report(
    path: Path,
    *,
    args: argparse.Namespace,
    setup: Setup,
    cases: list[Case],
    budgets: list[Budget],
    sizes: Sequence[int],
    elapsed: float,
    load_at_start: str,
) -> str:
    by_key = {c.key: c for c in cases}
    vers = versions(sys.executable)
    for venv, name in ((FRICTIONLESS_VENV, "frictionless"), (CALAMINE_VENV, "python-calamine")):
        if venv.exists():
            own = versions(venv / "bin" / "python").get(name)
            if own:
                vers[f"{name} (own venv)"] = own
    mach = machine(load_at_start)
    cmd = (
        "python benchmarks/run.py"
        + (" --quick" if args.quick else "")
        + (" --no-frictionless" if args.no_frictionless else "")
        + (f" --repeats {args.repeats}" if args.repeats is not None else "")
    )
    calamine = (
        "python-calamine's bare read runs in the benchmark's own venv "
        f"(`{CALAMINE_VENV.relative_to(ROOT)}`), like frictionless"
        if setup.calamine_own_venv
        else "python-calamine's bare read runs with the project's interpreter (no venv of its own "
        "in this run)"
    )
    text = f"""# safeplan benchmarks

Generated by `{cmd}` on {_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")} \
in {elapsed / 60:.1f} min. Method and budgets: [benchmarks/README.md](benchmarks/README.md).

Each figure is the **median wall-clock time of a whole process** (spawn to exit) over
{args.repeats_used} interleaved rounds after one warm-up round; peak memory is the
largest `ru_maxrss` of the process over those runs, and CPU time the median of its user +
system time (both from `os.wait4`). Ratios divide medians; budgets are judged on wall-clock
ratios, and the CPU-time ratio beside them says how much of a difference the machine's
other load made. {calamine}.

## Machine

{md_table(["", ""], [[k, v] for k, v in mach.items()])}

Packages: {", ".join(f"{k} {v}" for k, v in vers.items())}.

## Data

{describe_data(setup)}

## Budgets

{budgets_table(budgets)}

## Peak memory of every command

Largest resident set of each command over its runs, in MiB, on the national data sets.
`chart` draws one chart per indicator (not `--regions`, which adds one per county and
indicator); `report` is at county scale only.

{memory_table(cases, ["counties", records_tag(max(sizes)), "xlsx"])}

## Timings

{timings_table(cases, by_key)}

## Scaling with the number of accident records

Median seconds. The "per 10⁶" columns take the import floor off the time and divide by the
number of records: roughly constant means linear scaling of the data-dependent work.

{scaling_table(by_key, sizes)}
"""
    path.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, help="rounds after the warm-up (default 7; 1 with --quick)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke: small data (100 counties, 10³/10⁴ records, a 10³-record workbook), "
        "1 round, python-calamine from the project's interpreter, report to "
        "benchmarks/_work/BENCHMARKS-quick.md",
    )
    parser.add_argument(
        "--no-frictionless",
        action="store_true",
        help="skip the frictionless baseline (no venv, no network)",
    )
    parser.add_argument(
        "--safeplan",
        type=Path,
        help="safeplan executable (default: the one next to sys.executable)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="where to write the Markdown report "
        "(default: BENCHMARKS.md at the repo root; with --quick, benchmarks/_work/)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a (non-stretch) budget fails"
    )
    args = parser.parse_args(argv)
    args.repeats_used = args.repeats if args.repeats is not None else (1 if args.quick else 7)
    t0 = time.perf_counter()
    load_at_start = load_average()

    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    n_regions = 100 if args.quick else 2846
    xlsx_rows = 1_000 if args.quick else XLSX_ROWS
    county_dir = ensure_data(
        "counties", WORK / ("counties-small" if args.quick else "counties"), n_counties=n_regions
    )
    record_dirs = {
        n: ensure_data("records", WORK / records_tag(n), n_rows=n, n_regions=min(n_regions, n))
        for n in sizes
    }
    xlsx_dir = ensure_data(
        "xlsx-records",
        WORK / f"xlsx-{xlsx_rows}",
        n_rows=xlsx_rows,
        n_regions=min(n_regions, xlsx_rows),
    )
    frictionless = (
        None
        if args.no_frictionless
        else ensure_venv(FRICTIONLESS_VENV, "frictionless", "frictionless")
    )
    # python-calamine's own venv, like frictionless's; --quick reads with the project's
    # interpreter (it has python-calamine: safeplan reads workbooks with it).
    calamine = None if args.quick else ensure_venv(CALAMINE_VENV, "python-calamine", "python")

    safeplan = args.safeplan or Path(sys.executable).parent / "safeplan"
    if not safeplan.exists():
        print(
            f"warning: {safeplan} not found (pip install -e . ?); timing baselines only",
            file=sys.stderr,
        )
    setup = Setup(
        safeplan=safeplan if safeplan.exists() else None,
        frictionless=frictionless,
        calamine_python=str(calamine or sys.executable),
        calamine_own_venv=calamine is not None,
        county_dir=county_dir,
        record_dirs=record_dirs,
        xlsx_dir=xlsx_dir,
        xlsx_rows=xlsx_rows,
        full=not args.quick,
    )
    cases = build_cases(setup)
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # The warm-up round leaves each module's bytecode in __pycache__, as a user's first run
    # (or pip install) does; an environment that forbids writing it would time compiling
    # safeplan's own sources in every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    run_interleaved(cases, args.repeats_used, env)

    by_key = {c.key: c for c in cases}
    budgets = build_budgets(max(sizes), xlsx_rows)
    judge(budgets, by_key)
    report = args.report or (WORK / "BENCHMARKS-quick.md" if args.quick else ROOT / "BENCHMARKS.md")
    text = write_report(
        report,
        args=args,
        setup=setup,
        cases=cases,
        budgets=budgets,
        sizes=sizes,
        elapsed=time.perf_counter() - t0,
        load_at_start=load_at_start,
    )
    print(text)
    print(f"report written to {report}", file=sys.stderr)

    failed_runs = [c for c in cases if c.failed]
    for c in failed_runs:
        print(
            f"\nERROR: {c.group}: {c.label} exited {sorted(set(c.codes))}:\n{c.stderr_tail}",
            file=sys.stderr,
        )
    failed_budgets = [b for b in budgets if b.verdict in ("FAIL", "ERROR") and not b.stretch]
    if failed_runs or (args.strict and failed_budgets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
