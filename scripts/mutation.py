"""Mutation testing of the deciding code: a quick sampled run and the score.

Run from the repository root (mutmut reads ``[tool.mutmut]`` in pyproject.toml)::

    python scripts/mutation.py sample            # 100 seeded mutants, a few minutes
    python scripts/mutation.py sample --n 300 --seed 7
    python scripts/mutation.py score             # the score of what has been run so far
    python scripts/mutation.py survivors         # every mutant that is not killed

``mutmut run`` (all mutants, about 7 400) is the full run; it takes well over two hours on two cores.

The score counts killed (and timed-out) mutants over every mutant that was run, leaving
out the equivalent mutants listed in docs/testing.md (each with the reason it cannot
change behaviour). Exit status of ``sample``: 0 when the sample scores at least
``--min`` (95 % unless given), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
DOC = ROOT / "docs" / "testing.md"

#: mutmut's exit codes (mutmut/stats.py): 1 and 3 killed, 0 survived, 5 and 33 no tests,
#: 34 skipped, these timed out, 37 caught by the type check, None not run; -9 and -11 the
#: test process died of a signal (mutmut says "segfault": a mutant that makes the tests
#: exhaust memory is killed by the kernel) — the tests did not pass, so it is caught.
KILLED = {1, 3, 37}
TIMEOUT = {36, 24, -24, 152, 255}
CRASHED = {-9, -11}
SURVIVED = {0}
NO_TESTS = {5, 33}

_NAME = re.compile(r"`(safeplan\.[\w.ǁ]+__mutmut_\d+)`")
_MODULE = re.compile(r"\.xǁ?[^.]*$")


def mutmut() -> str:
    """The mutmut entry point beside this Python (the venv's), or on PATH."""
    here = Path(sys.executable).parent / "mutmut"
    found = str(here) if here.exists() else shutil.which("mutmut")
    if not found:
        sys.exit("mutmut is not installed: pip install -e '.[test]'")
    return found


def results() -> dict[str, int | None]:
    """Every mutant's exit code from mutants/**/*.py.meta (None = not run)."""
    out: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        out.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return out


def equivalent() -> set[str]:
    """The mutants docs/testing.md lists as equivalent."""
    if not DOC.exists():
        return set()
    text = DOC.read_text(encoding="utf-8")
    start = text.find("## Equivalent mutants")
    if start < 0:
        return set()
    end = text.find("\n## ", start + 1)
    return set(_NAME.findall(text[start : end if end > 0 else None]))


def tally(codes: dict[str, int | None], skip: set[str]) -> Counter[str]:
    """Counts of killed, timeout, crashed, survived, no tests, not run and equivalent."""
    counts: Counter[str] = Counter()
    for name, code in codes.items():
        if name in skip:
            counts["equivalent"] += 1
        elif code is None:
            counts["not run"] += 1
        elif code in KILLED:
            counts["killed"] += 1
        elif code in TIMEOUT:
            counts["timeout"] += 1
        elif code in CRASHED:
            counts["crashed"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in NO_TESTS:
            counts["no tests"] += 1
        else:
            counts["other"] += 1
    return counts


def score(counts: Counter[str]) -> float | None:
    """(killed + timeout + crashed) ÷ every mutant run that is not equivalent."""
    run = sum(n for key, n in counts.items() if key not in ("not run", "equivalent"))
    return (counts["killed"] + counts["timeout"] + counts["crashed"]) / run if run else None


def report(codes: dict[str, int | None], skip: set[str], title: str) -> float | None:
    """Print the tally, the score and the score per module; return the score."""
    counts = tally(codes, skip)
    value = score(counts)
    shown = ", ".join(f"{key} {counts[key]}" for key in sorted(counts))
    print(f"{title}: {shown}")
    by_module: dict[str, dict[str, int | None]] = {}
    for name, code in codes.items():
        module = _MODULE.sub("", name)
        by_module.setdefault(module, {})[name] = code
    for module, part in sorted(by_module.items()):
        counts = tally(part, skip)
        module_score = score(counts)
        if module_score is not None:
            parts = ", ".join(f"{key} {counts[key]}" for key in sorted(counts))
            print(f"  {module:40} {module_score:7.1%}  ({len(part)} mutants: {parts})")
    if value is not None:
        print(f"score: {value:.1%} of the non-equivalent mutants run are killed")
    return value


def ensure_mutants() -> None:
    """Generate mutants/ (mutmut does so on any run) with a run of one small function."""
    if any(MUTANTS.rglob("*.py.meta")):
        return
    subprocess.run([mutmut(), "run", "safeplan.domain.targets.x_met*"], cwd=ROOT, check=False)


def main(argv: list[str] | None = None) -> int:
    """Command line: sample, score or survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample", help="run a seeded sample of mutants and score it")
    sample.add_argument("--n", type=int, default=100, help="mutants to run (default 100)")
    sample.add_argument(
        "--jobs", type=int, default=None, help="mutants run at once (mutmut's default: the CPUs)"
    )
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.add_argument("--min", type=float, default=95.0, help="lowest passing score, %%")
    sub.add_parser("score", help="the score of every mutant run so far")
    sub.add_parser("survivors", help="list the mutants that are not killed")
    args = parser.parse_args(argv)

    skip = equivalent()
    if args.command == "sample":
        ensure_mutants()
        names = sorted(name for name in results() if name not in skip)
        picked = random.Random(args.seed).sample(names, min(args.n, len(names)))
        jobs = ["--max-children", str(args.jobs)] if args.jobs else []
        subprocess.run([mutmut(), "run", *jobs, *picked], cwd=ROOT, check=False)
        codes = results()
        value = report({n: codes[n] for n in picked}, skip, f"sample of {len(picked)}")
        for name in sorted(picked):
            if codes[name] in SURVIVED | NO_TESTS:
                print(f"  not killed: {name}   (mutmut show {name})")
        return 0 if value is not None and value * 100 >= args.min else 1
    codes = results()
    if not codes:
        print("no mutants yet: run `mutmut run` or `python scripts/mutation.py sample`")
        return 1
    if args.command == "score":
        report(codes, skip, "all mutants")
        return 0
    for name, code in sorted(codes.items()):
        if name not in skip and code is not None and code not in KILLED | TIMEOUT | CRASHED:
            print(f"{name}\t{'no tests' if code in NO_TESTS else 'survived'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
