"""Write synthetic plan directories for safeplan's benchmarks.

Two kinds of plan directory, both deterministic for a given seed (and numpy version):

``counties``
    National county level: 2 846 counties x 15 years (2010-2024) in the four yearly
    datasets of a plan's data (accidents, gdp, employment, vehicles) and an
    ``indicators.yaml`` with the five control indicators of a 十四五 plan, baseline 2020,
    target 2025.  National totals are of realistic size: about 27 000 deaths and
    1 000 000 亿元 GDP in 2020, 工矿商贸 about 1.3 deaths per 10万 workers, road about
    1.6 deaths per 万 vehicles.

``records``
    Accident records: one row per accident, 2015-2024, 2 846 regions, six
    sectors, ``date,region,sector,deaths,serious_injuries,direct_loss`` (loss in 万元),
    with accidents of every class (一般 ... 特别重大, including the exact boundary values),
    and an ``indicators.yaml`` whose indicators use the derived columns.

``xlsx-records``
    The same ledger as a workbook (``accident_records.xlsx``, sheet 台账, Excel date
    cells, blank injuries as empty cells), as most offices submit it: 10^5 records.

Each CSV directory also gets a ``datapackage.json``: the same files described as a typed
Frictionless Table Schema, so that ``frictionless validate datapackage.json`` is the
baseline for ``safeplan validate``.

Writing is vectorised (numpy string arrays joined once), so 10^6 records take a few
seconds.

Usage::

    python benchmarks/generate.py counties OUTDIR [--scale small] [--seed N]
    python benchmarks/generate.py records OUTDIR [--rows N] [--scale small] [--seed N]
    python benchmarks/generate.py xlsx-records OUTDIR [--rows N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

DEFAULT_SEED = 20201231
FULL_COUNTIES = 2846
SMALL_COUNTIES = 100
FULL_RECORDS = 1_000_000
SMALL_RECORDS = 10_000
XLSX_RECORDS = 100_000
COUNTY_YEARS = range(2010, 2025)
RECORD_YEARS = range(2015, 2025)
BASELINE_YEAR = 2020
TARGET_YEAR = 2025

# 2020 national magnitudes (statistical communiqués, rounded).
DEATHS_2020 = 27_400
GDP_2020 = 1_015_986.0  # 亿元
ROAD_SHARE = 0.60  # share of all production-safety deaths on the road
INDUSTRIAL_SHARE_OF_REST = 0.75  # 工矿商贸 share of the non-road deaths
INDUSTRIAL_RATE_2020 = 1.30  # per 10万 workers
ROAD_RATE_2020 = 1.60  # per 万 vehicles
MAJOR_ACCIDENTS_2020 = 16  # 重特大 accidents per year, nationally

SECTORS = ("道路交通", "工商贸", "建筑业", "金属非金属矿山", "危险化学品", "煤矿")
SECTOR_P = (0.55, 0.20, 0.13, 0.05, 0.04, 0.03)
INDUSTRIAL_SECTORS = ("煤矿", "金属非金属矿山", "工商贸", "建筑业", "危险化学品", "烟花爆竹")

_FIRST = (
    "安平阳新丰永宁兴长武清东西南北宜江河山临高德太和嘉靖通海兰云华泰定保昌隆福"
    "广凤金玉白青黄石宝龙岳建乐成德汉景仁寿英灵泉溪桥松柏梅桃林"
)
_SECOND = (
    "安平阳新丰宁兴城川州江河山林源泉溪水谷口原台坪乡乡化远远宁丘陵昌南北东西"
    "中华宝门德陵关峰湖池沙田"
)
_SUFFIX_P = (("县", 0.62), ("市", 0.14), ("区", 0.20), ("旗", 0.04))


# --------------------------------------------------------------------------- helpers


def region_names(n: int, rng: np.random.Generator) -> list[str]:
    """Return ``n`` unique, Chinese-looking county names (e.g. ``临泉县``)."""
    first = list(dict.fromkeys(_FIRST))
    second = list(dict.fromkeys(_SECOND))
    stems = [a + b for a in first for b in second if a != b]
    suffixes = [s for s, _ in _SUFFIX_P]
    p = np.array([q for _, q in _SUFFIX_P])
    if n > len(stems) * len(suffixes):
        raise ValueError(f"cannot make {n} unique region names")
    order = rng.permutation(len(stems))
    picked = rng.choice(len(suffixes), size=len(stems), p=p / p.sum())
    names: list[str] = []
    seen: set[str] = set()
    # First pass: one name per stem; later passes reuse stems with other suffixes.
    for shift in range(len(suffixes)):
        for i in order:
            name = stems[i] + suffixes[(picked[i] + shift) % len(suffixes)]
            if name not in seen:
                seen.add(name)
                names.append(name)
                if len(names) == n:
                    return names
    raise AssertionError("unreachable")


def _s(values: np.ndarray) -> np.ndarray:
    """Format an integer or string array as a numpy StringDType array."""
    return np.asarray(values).astype(np.dtypes.StringDType())


def _fixed(values: np.ndarray, decimals: int) -> np.ndarray:
    """Format non-negative floats with up to ``decimals`` decimals, vectorised.

    Trailing zeros are dropped the way a spreadsheet export would: 12.50 -> 12.5, 3.00 -> 3.
    """
    scale = 10**decimals
    units = np.rint(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
    return _fixed_units(units, decimals)


def _fixed_units(units: np.ndarray, decimals: int) -> np.ndarray:
    """Format integer amounts of 10**-decimals (e.g. cents) as decimal strings."""
    scale = 10**decimals
    whole, frac = np.divmod(units, scale)
    out = _s(whole)
    frac_s = np.strings.zfill(_s(frac), decimals)
    frac_s = np.strings.rstrip(frac_s, "0")
    has_frac = frac != 0
    out[has_frac] = np.strings.add(np.strings.add(out[has_frac], "."), frac_s[has_frac])
    return out


def write_csv(path: Path, columns: Mapping[str, np.ndarray]) -> None:
    """Write equally long string columns as a UTF-8 CSV (no quoting needed here)."""
    names = list(columns)
    line = _s(columns[names[0]])
    for name in names[1:]:
        line = np.strings.add(np.strings.add(line, ","), _s(columns[name]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(names) + "\n")
        if len(line):
            f.write("\n".join(line.tolist()))
            f.write("\n")


def _field(
    name: str,
    type_: str,
    *,
    required: bool = False,
    minimum: float | None = None,
    enum: Sequence[str] | None = None,
) -> dict[str, object]:
    constraints: dict[str, object] = {}
    if required:
        constraints["required"] = True
    if minimum is not None:
        constraints["minimum"] = minimum
    if enum is not None:
        constraints["enum"] = list(enum)
    field: dict[str, object] = {"name": name, "type": type_}
    if constraints:
        field["constraints"] = constraints
    return field


def write_datapackage(outdir: Path, resources: list[dict[str, object]]) -> None:
    """Write ``datapackage.json``: the typed Table Schema baseline for frictionless."""
    descriptor = {"name": "safeplan-benchmark", "resources": resources}
    (outdir / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _yearly_resource(name: str, columns: Sequence[tuple[str, str]]) -> dict[str, object]:
    fields = [_field("year", "integer", required=True), _field("region", "string", required=True)]
    fields += [_field(col, type_, required=True, minimum=0) for col, type_ in columns]
    return {
        "name": name,
        "path": f"data/{name}.csv",
        "format": "csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "primaryKey": ["year", "region"]},
    }


# --------------------------------------------------------------------------- counties


COUNTIES_YAML = """\
# Synthetic national county-level plan for safeplan's benchmarks (benchmarks/generate.py).
plan:
  name: 全国"十四五"安全生产规划（县级合成数据）
  region: 全国
  baseline_year: {baseline}
  target_year: {target}
datasets:
  accidents: data/accidents.csv
  gdp: data/gdp.csv
  employment: data/employment.csv
  vehicles: data/vehicles.csv
indicators:
  - id: major_accidents
    name: 重特大事故起数
    value: accidents.major_accidents
    target: {{max: 0}}
  - id: deaths
    name: 生产安全事故死亡人数
    value: accidents.deaths
    target: {{decline_pct: 10}}
  - id: gdp_death_rate
    name: 亿元GDP生产安全事故死亡率
    numerator: accidents.deaths
    denominator: gdp.gdp
    per: 1
    target: {{max: 0.01}}
  - id: worker_death_rate
    name: 工矿商贸就业人员十万人生产安全事故死亡率
    numerator: accidents.industrial_deaths
    denominator: employment.industrial_workers
    per: 100000
    target: {{max: 0.50}}
  - id: road_death_rate
    name: 道路交通万车死亡率
    numerator: accidents.road_deaths
    denominator: vehicles.vehicles
    per: 10000
    target: {{max: 1.35}}
"""


def generate_counties(
    outdir: Path,
    *,
    n_counties: int = FULL_COUNTIES,
    years: Sequence[int] = COUNTY_YEARS,
    seed: int = DEFAULT_SEED,
) -> dict[str, int]:
    """Write the county-level plan directory; return the number of rows per file."""
    rng = np.random.default_rng(seed)
    names = np.array(region_names(n_counties, np.random.default_rng(seed)), dtype=object)
    years_a = np.asarray(list(years), dtype=np.int64)
    n_y, n_c = len(years_a), n_counties
    dt = (years_a - BASELINE_YEAR)[:, None].astype(np.float64)  # (years, 1)

    # County sizes: heavy-tailed population, income and motorisation.
    size = rng.lognormal(0.0, 0.8, n_c)
    size /= size.sum()
    gdp_share = size * rng.lognormal(0.0, 0.5, n_c)
    gdp_share /= gdp_share.sum()
    risk = size * rng.lognormal(0.0, 0.35, n_c)
    risk /= risk.sum()
    worker_share = size * rng.lognormal(0.0, 0.3, n_c)
    worker_share /= worker_share.sum()
    vehicle_share = gdp_share**0.7 * rng.lognormal(0.0, 0.25, n_c)
    vehicle_share /= vehicle_share.sum()

    # National trends, with a per-county drift so that counties differ in progress.
    deaths_nat = DEATHS_2020 * 0.925**dt
    drift = np.exp(rng.normal(0.0, 0.03, n_c)[None, :] * dt)
    lam = deaths_nat * risk[None, :] * drift  # (years, counties)
    deaths = rng.poisson(lam)
    road_p = np.clip(rng.normal(ROAD_SHARE, 0.08, n_c), 0.2, 0.9)
    road = rng.binomial(deaths, road_p[None, :])
    industrial = rng.binomial(deaths - road, INDUSTRIAL_SHARE_OF_REST)
    major = rng.poisson(lam * (MAJOR_ACCIDENTS_2020 / DEATHS_2020) * 1.06**dt)
    accidents = np.maximum(rng.poisson(lam * 1.35), major)

    gdp_nat = GDP_2020 * np.where(dt < 0, 1.075, 1.05) ** dt
    gdp = gdp_nat * gdp_share[None, :] * np.exp(rng.normal(0.0, 0.01, n_c)[None, :] * dt)
    gdp = np.maximum(gdp, 0.5)

    ind_deaths_2020 = DEATHS_2020 * (1 - ROAD_SHARE) * INDUSTRIAL_SHARE_OF_REST
    workers_nat = ind_deaths_2020 / INDUSTRIAL_RATE_2020 * 1e5 * 1.008**dt
    workers = np.maximum(np.rint(workers_nat * worker_share[None, :]), 1000).astype(np.int64)

    vehicles_nat = (
        DEATHS_2020 * ROAD_SHARE / ROAD_RATE_2020 * 1e4 * np.where(dt < 0, 1.10, 1.06) ** dt
    )
    vehicles = np.maximum(np.rint(vehicles_nat * vehicle_share[None, :]), 500).astype(np.int64)

    year_col = _s(np.repeat(years_a, n_c))
    region_col = _s(np.tile(names, n_y).astype(str))

    def flat(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1)

    data = outdir / "data"
    write_csv(
        data / "accidents.csv",
        {
            "year": year_col,
            "region": region_col,
            "accidents": flat(accidents),
            "deaths": flat(deaths),
            "industrial_deaths": flat(industrial),
            "road_deaths": flat(road),
            "major_accidents": flat(major),
        },
    )
    write_csv(
        data / "gdp.csv", {"year": year_col, "region": region_col, "gdp": _fixed(flat(gdp), 2)}
    )
    write_csv(
        data / "employment.csv",
        {"year": year_col, "region": region_col, "industrial_workers": flat(workers)},
    )
    write_csv(
        data / "vehicles.csv", {"year": year_col, "region": region_col, "vehicles": flat(vehicles)}
    )
    (outdir / "indicators.yaml").write_text(
        COUNTIES_YAML.format(baseline=BASELINE_YEAR, target=TARGET_YEAR), encoding="utf-8"
    )
    ints = ("integer",)
    write_datapackage(
        outdir,
        [
            _yearly_resource(
                "accidents",
                [
                    (c, *ints)
                    for c in (
                        "accidents",
                        "deaths",
                        "industrial_deaths",
                        "road_deaths",
                        "major_accidents",
                    )
                ],
            ),
            _yearly_resource("gdp", [("gdp", "number")]),
            _yearly_resource("employment", [("industrial_workers", "integer")]),
            _yearly_resource("vehicles", [("vehicles", "integer")]),
        ],
    )
    rows = n_y * n_c
    return {"accidents.csv": rows, "gdp.csv": rows, "employment.csv": rows, "vehicles.csv": rows}


# --------------------------------------------------------------------------- records


RECORDS_YAML = """\
# Synthetic accident-record plan for safeplan's benchmarks (benchmarks/generate.py).
plan:
  name: 全国"十四五"安全生产规划（事故记录合成数据）
  region: 全国
  baseline_year: {baseline}
  target_year: {target}
datasets:
  accidents:
    records: data/accident_records.csv
    sectors:
      industrial: [{industrial}]
      road: [道路交通]
indicators:
  - id: major_or_above
    name: 重特大事故起数
    value: accidents.major_or_above
    target: {{max: 0}}
  - id: deaths
    name: 生产安全事故死亡人数
    value: accidents.deaths
    target: {{decline_pct: 10}}
  - id: larger_or_above
    name: 较大及以上事故起数
    value: accidents.larger_or_above
    target: {{max: 0}}
  - id: accidents
    name: 事故起数
    value: accidents.accidents
    target: {{yoy_decline: true}}
  - id: accidents_cap
    name: 生产安全事故起数控制指标
    value: accidents.accidents
    target: {{max: 80000}}
"""

# Accident classes and how often they occur (per accident).
_CLASS_P = {"especially_major": 1.2e-5, "major": 1.2e-4, "larger": 8e-3}
# For each class, the range of the measure that puts the accident in it:
# (deaths lo, hi), (serious injuries lo, hi), (loss in 万元 lo, hi) -- hi exclusive.
_CLASS_RANGES = {
    "larger": ((3, 10), (10, 50), (1_000, 5_000)),
    "major": ((10, 30), (50, 100), (5_000, 10_000)),
    "especially_major": ((30, 61), (100, 201), (10_000, 60_000)),
}


def generate_records(
    outdir: Path,
    *,
    n_rows: int = FULL_RECORDS,
    n_regions: int = FULL_COUNTIES,
    years: Sequence[int] = RECORD_YEARS,
    seed: int = DEFAULT_SEED,
) -> dict[str, int]:
    """Write the accident-record plan directory; return the number of rows written."""
    rng = np.random.default_rng(seed + 1)
    names = region_names(n_regions, np.random.default_rng(seed))
    years_a = np.asarray(list(years), dtype=np.int64)

    # When: fewer accidents every year (about -5 % a year), uniform within the year.
    year_w = 0.95 ** (years_a - years_a[0])
    year = rng.choice(years_a, size=n_rows, p=year_w / year_w.sum())
    first_day = np.array([np.datetime64(f"{y}-01-01") for y in years_a])
    days_in_year = np.array(
        [
            (np.datetime64(f"{y + 1}-01-01") - np.datetime64(f"{y}-01-01")).astype(np.int64)
            for y in years_a
        ]
    )
    yi = year - years_a[0]
    day = (first_day[yi] - first_day[0]).astype(np.int64) + (
        rng.random(n_rows) * days_in_year[yi]
    ).astype(np.int64)
    day.sort()  # records arrive in date order
    calendar = _s(np.arange(first_day[0], np.datetime64(f"{years_a[-1] + 1}-01-01")).astype(str))
    date_col = calendar[day]

    size = rng.lognormal(0.0, 0.8, n_regions)
    region_idx = rng.choice(n_regions, size=n_rows, p=size / size.sum())
    region_col = _s(np.array(names, dtype=object).astype(str))[region_idx]
    sector_idx = rng.choice(len(SECTORS), size=n_rows, p=np.array(SECTOR_P) / sum(SECTOR_P))
    sector_col = _s(np.array(SECTORS))[sector_idx]

    # 一般 accidents: 0-2 deaths, 0-9 serious injuries, losses mostly small (< 1 000 万元).
    deaths = rng.choice(3, size=n_rows, p=[0.22, 0.68, 0.10])
    injuries = np.minimum(rng.geometric(0.7, n_rows) - 1, 9)
    loss_cents = np.minimum(np.rint(rng.lognormal(np.log(30.0), 1.3, n_rows) * 100), 99_999)
    loss_cents = loss_cents.astype(np.int64)

    # Raise a few accidents to a higher class through one of the three measures.
    u = rng.random(n_rows)
    cls = np.zeros(n_rows, dtype=np.int8)  # 0 general, 1 larger, 2 major, 3 especially major
    edges = np.cumsum([_CLASS_P["especially_major"], _CLASS_P["major"], _CLASS_P["larger"]])
    cls[u < edges[2]] = 1
    cls[u < edges[1]] = 2
    cls[u < edges[0]] = 3
    # Every class occurs, whatever the size: force a couple of each at random rows.
    forced = rng.choice(n_rows, size=min(n_rows, 6), replace=False)
    cls[forced] = np.array([1, 1, 2, 2, 3, 3][: len(forced)])
    for level, name in ((1, "larger"), (2, "major"), (3, "especially_major")):
        idx = np.flatnonzero(cls == level)
        if not len(idx):
            continue
        (dlo, dhi), (ilo, ihi), (llo, lhi) = _CLASS_RANGES[name]
        via = rng.choice(3, size=len(idx), p=[0.7, 0.15, 0.15])
        d, i, l_ = idx[via == 0], idx[via == 1], idx[via == 2]
        deaths[d] = rng.integers(dlo, dhi, len(d))
        injuries[i] = rng.integers(ilo, ihi, len(i))
        loss_cents[l_] = rng.integers(llo * 100, lhi * 100, len(l_))
        # Exact lower bounds ("以上包括本数") appear now and then.
        if len(l_):
            loss_cents[l_[:: max(1, len(l_) // 3)]] = llo * 100
        if len(d):
            deaths[d[:: max(1, len(d) // 5)]] = dlo

    injuries_col = _s(injuries)
    blank = (injuries == 0) & (rng.random(n_rows) < 0.3)  # blank injuries mean 0
    injuries_col[blank] = ""

    write_csv(
        outdir / "data" / "accident_records.csv",
        {
            "date": date_col,
            "region": region_col,
            "sector": sector_col,
            "deaths": deaths,
            "serious_injuries": injuries_col,
            "direct_loss": _fixed_units(loss_cents, 2),
        },
    )
    (outdir / "indicators.yaml").write_text(
        RECORDS_YAML.format(
            baseline=BASELINE_YEAR, target=TARGET_YEAR, industrial=", ".join(INDUSTRIAL_SECTORS)
        ),
        encoding="utf-8",
    )
    write_datapackage(
        outdir,
        [
            {
                "name": "accident_records",
                "path": "data/accident_records.csv",
                "format": "csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        _field("date", "date", required=True),
                        _field("region", "string", required=True),
                        _field("sector", "string"),
                        _field("deaths", "integer", required=True, minimum=0),
                        _field("serious_injuries", "integer", minimum=0),
                        _field("direct_loss", "number", minimum=0),
                    ]
                },
            }
        ],
    )
    return {"accident_records.csv": n_rows}


# --------------------------------------------------------------------------- xlsx ledger


def generate_xlsx_records(
    outdir: Path,
    *,
    n_rows: int = XLSX_RECORDS,
    n_regions: int = FULL_COUNTIES,
    seed: int = DEFAULT_SEED,
) -> dict[str, int]:
    """The records plan with its ledger as a workbook, as offices submit it: the same
    records as :func:`generate_records`, in a sheet 台账 with Excel date cells, numbers as
    numbers and blank injuries as empty cells (no ``datapackage.json``)."""
    import csv
    import datetime

    from openpyxl import Workbook

    generate_records(outdir, n_rows=n_rows, n_regions=n_regions, seed=seed)
    source = outdir / "data" / "accident_records.csv"
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
    book.save(outdir / "data" / "accident_records.xlsx")
    source.unlink()
    (outdir / "datapackage.json").unlink()
    config = outdir / "indicators.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("accident_records.csv", "accident_records.xlsx"), "utf-8")
    return {"accident_records.xlsx": n_rows}


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["counties", "records", "xlsx-records"])
    parser.add_argument("outdir", type=Path)
    parser.add_argument(
        "--scale",
        choices=["full", "small"],
        default="full",
        help="small: 100 regions (and 10 000 records) for CI smoke runs",
    )
    parser.add_argument(
        "--rows", type=int, help="number of accident records (records, xlsx-records)"
    )
    parser.add_argument("--regions", type=int, help="number of regions / counties")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)

    small = args.scale == "small"
    regions = args.regions or (SMALL_COUNTIES if small else FULL_COUNTIES)
    start = time.perf_counter()
    if args.kind == "counties":
        rows = generate_counties(args.outdir, n_counties=regions, seed=args.seed)
    elif args.kind == "xlsx-records":
        n = args.rows or (SMALL_RECORDS if small else XLSX_RECORDS)
        rows = generate_xlsx_records(args.outdir, n_rows=n, n_regions=regions, seed=args.seed)
    else:
        n = args.rows or (SMALL_RECORDS if small else FULL_RECORDS)
        rows = generate_records(args.outdir, n_rows=n, n_regions=regions, seed=args.seed)
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{name}: {n:,} rows" for name, n in rows.items())
    print(f"wrote {args.outdir} ({summary}) in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
