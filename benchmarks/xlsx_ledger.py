"""The .xlsx budget: ``safeplan validate`` of a 100 000-record ledger workbook against a
bare python-calamine read of all its rows (budget: at most 2 x).

Writes the ledger once (from ``generate.py records``, saved as .xlsx with Excel date cells,
numbers as numbers and blank injuries as empty cells), then times whole processes,
interleaved, and prints the medians and their ratio::

    .venv/bin/python benchmarks/xlsx_ledger.py [--rows 100000] [--repeats 7] [--workdir DIR]

A standalone script for now; ``run.py`` can take the same two commands.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent

BARE = """\
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_index(0).to_python()
"""


def write_ledger(workdir: Path, rows: int) -> Path:
    """The records plan of ``generate.py`` with its ledger as .xlsx; the plan's path."""
    from openpyxl import Workbook

    plan = workdir / f"xlsx-{rows}"
    book_path = plan / "data" / "accident_records.xlsx"
    if book_path.exists():
        return plan / "indicators.yaml"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), "records", str(plan), "--rows", str(rows)],
        check=True,
        capture_output=True,
    )
    source = plan / "data" / "accident_records.csv"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    with source.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        sheet.append(next(reader))
        for date, region, sector, deaths, injuries, loss in reader:
            sheet.append(
                [
                    datetime.date.fromisoformat(date),
                    region,
                    sector,
                    int(deaths),
                    int(injuries) if injuries else None,
                    float(loss) if loss else None,
                ]
            )
    book.save(book_path)
    source.unlink()
    config = plan / "indicators.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("accident_records.csv", "accident_records.xlsx"), "utf-8")
    return config


def timed(command: Sequence[str], cwd: Path) -> float:
    """Wall time of one whole process."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=False, capture_output=True)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=HERE / "_work")
    args = parser.parse_args(argv)
    config = write_ledger(args.workdir, args.rows)
    book = config.parent / "data" / "accident_records.xlsx"
    safeplan = Path(sys.executable).with_name("safeplan")
    commands = {
        "calamine": [sys.executable, "-c", BARE, str(book)],
        "validate": [str(safeplan), "validate", "--config", str(config)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm-up
        timed(command, config.parent)
    for _ in range(args.repeats):
        for name, command in commands.items():
            times[name].append(timed(command, config.parent))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:9} {value:6.3f} s")
    ratio = medians["validate"] / medians["calamine"]
    print(f"ratio     {ratio:6.2f} x (budget 2 x) — {'ok' if ratio <= 2 else 'over budget'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
