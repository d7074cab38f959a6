"""The column-by-column renderers write exactly what the plain row-by-row ones wrote.

``safeplan.render`` formats each distinct number, region and target once and pads, joins
and encodes in C, to render tens of thousands of results quickly. The reference
implementations below are the renderers as they were before that (one cell at a time);
every output must match them byte for byte, for awkward numbers and text too.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import struct
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeplan import render
from safeplan.evaluate import CheckReport, GapReport, Outlook, Result

# --------------------------------------------------------------------------- reference


def old_fmt_number(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = min(max(2, digits - magnitude - 1), 10)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def old_fmt_pair(value: Any, threshold: Any) -> tuple[str, str]:
    for digits in range(4, 17):
        v, t = old_fmt_number(value, digits), old_fmt_number(threshold, digits)
        if v != t or value == threshold or value is None or threshold is None:
            return v, t
    return old_fmt_number(value, 17), old_fmt_number(threshold, 17)


def old_fmt_gap(gap: Any) -> str:
    if gap is None:
        return "—"
    text = old_fmt_number(gap)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def old_target_text(target: dict[str, Any], baseline: int, lang: str) -> str:
    labels = render.LABELS[lang]
    kind = target["kind"]
    b = target.get("baseline_year", baseline)
    return labels[kind].format(
        v=old_fmt_number(target["value"]) if kind != "yoy_decline" else "", b=b
    )


def old_cell_width(text: str) -> int:
    from rich.cells import cell_len

    return len(text) if text.isascii() else cell_len(text)


def old_text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[str | None] | None = None,
    colour: bool = False,
    align_right: Sequence[bool] | None = None,
) -> str:
    widths = [old_cell_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], old_cell_width(cell))
    right = align_right or [False] * len(header)

    def line(cells: Sequence[str], paint: str | None = None) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - old_cell_width(cell))
            text = pad + cell if right[i] else cell + pad
            if paint and colour and i == len(cells) - 1:
                text = f"\x1b[{paint}m{text}\x1b[0m"
            out.append(text)
        return "  ".join(out).rstrip()

    lines = [line(header), "  ".join("─" * w for w in widths)]
    for j, row in enumerate(rows):
        lines.append(line(row, colours[j] if colours else None))
    return "\n".join(lines)


def old_region_label(region: str | None, plan: dict[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return plan.get("region") or render.LABELS[lang]["whole"]


def old_result_cells(r: Result, plan: dict[str, Any], lang: str) -> list[str]:
    value, threshold = old_fmt_pair(r.value, r.threshold)
    return [
        r.name,
        old_region_label(r.region, plan, lang),
        value,
        old_target_text(r.target, plan["baseline_year"], lang),
        threshold,
        old_fmt_gap(r.gap),
        render.LABELS[lang][r.status],
    ]


def old_headers(lang: str) -> list[str]:
    keys = ("indicator", "region", "value", "target", "threshold", "gap", "status")
    return [render.LABELS[lang][k] for k in keys]


def old_check_table(report: CheckReport, *, colour: bool = False, lang: str = "zh") -> str:
    labels = render.LABELS[lang]
    rows = [old_result_cells(r, report.plan, lang) for r in report.results]
    counts = {s: sum(r.status == s for r in report.results) for s in ("met", "missed", "no_data")}
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    table = old_text_table(
        old_headers(lang),
        rows,
        colours=[render._COLOURS[r.status] for r in report.results],
        colour=colour,
        align_right=[False, False, True, False, True, True, False],
    )
    return f"{title}\n\n{table}\n\n{labels['summary'].format(**counts)}\n"


def old_dump_json(payload: dict[str, Any], *lists: str) -> str:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts = []
    for key, value in payload.items():
        name = encode(key)
        if key in lists and isinstance(value, list) and value:
            if all(isinstance(v, dict) and v and next(iter(v)) == "id" for v in value):
                items = encode(value)[1:-1].replace('}, {"id": ', '},\n    {"id": ')
            else:
                items = ",\n    ".join(map(encode, value))
            parts.append(f"  {name}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {name}: {encode(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def old_md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def old_markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(old_md_escape(h) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    out.extend("| " + " | ".join(old_md_escape(c) for c in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


def old_check_markdown(report: CheckReport, *, lang: str = "zh") -> str:
    labels = render.LABELS[lang]
    rows = [old_result_cells(r, report.plan, lang) for r in report.results]
    title = labels["check_title"].format(name=report.plan["name"], year=report.year)
    return f"## {old_md_escape(title)}\n\n" + old_markdown_table(old_headers(lang), rows)


def old_csv_number(value: Any) -> str:
    return "" if value is None else repr(value)


def old_csv_row(r: Result) -> list[object]:
    from safeplan.spreadsheet import escape_text

    kind = r.target["kind"]
    return [
        r.id,
        escape_text(r.name),
        escape_text(r.region) if r.region is not None else "",
        r.year,
        old_csv_number(r.value),
        kind,
        "true" if kind == "yoy_decline" else old_csv_number(r.target["value"]),
        old_csv_number(r.threshold),
        old_csv_number(r.gap),
        r.status,
    ]


def old_results_csv(results: Sequence[Result]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(render.CSV_FIELDS)
    writer.writerows(old_csv_row(r) for r in results)
    return buffer.getvalue()


def old_outlook_cells(o: Any, lang: str) -> list[str]:
    labels = render.LABELS[lang]
    track = labels["unknown"] if o.on_track is None else labels["yes" if o.on_track else "no"]
    required = (
        "—" if o.required_annual_change_pct is None else f"{o.required_annual_change_pct:+.2f}"
    )
    return [
        str(o.latest_year) if o.latest_year is not None else "—",
        old_fmt_number(o.latest_value),
        old_fmt_number(o.final_threshold),
        old_fmt_number(o.projected_value),
        track,
        required,
    ]


def old_ansi_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]
) -> str:
    strip = re.compile(r"\x1b\[[0-9;]*m")
    widths = [old_cell_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], old_cell_width(strip.sub("", cell)))

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - old_cell_width(strip.sub("", cell)))
            parts.append(pad + cell if right[i] else cell + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), "  ".join("─" * w for w in widths), *map(line, rows)])


def old_gap_table(report: GapReport, *, colour: bool = False, lang: str = "zh") -> str:
    labels = render.LABELS[lang]
    plan = report.plan
    years = sorted({r.year for r in report.rows})
    keys: dict[tuple[str, str | None], dict[int, Result]] = {}
    names: dict[str, str] = {}
    for r in report.rows:
        keys.setdefault((r.id, r.region), {})[r.year] = r
        names[r.id] = r.name
    outlook = {(o.id, o.region): o for o in report.outlook}
    mark = {"met": "", "missed": "✗", "no_data": ""}
    header = [
        labels["indicator"],
        labels["region"],
        labels["target"],
        *map(str, years),
        labels["final_threshold"],
        labels["projected_value"],
        labels["on_track"],
        labels["required"],
    ]
    rows = []
    for (iid, region), by_year in keys.items():
        any_row = next(iter(by_year.values()))
        cells = [
            names[iid],
            old_region_label(region, plan, lang),
            old_target_text(any_row.target, plan["baseline_year"], lang),
        ]
        for y in years:
            cell = by_year.get(y)
            if cell is None or cell.value is None:
                cells.append("—")
                continue
            text = old_fmt_number(cell.value) + mark[cell.status]
            if colour:
                text = f"\x1b[{render._COLOURS[cell.status]}m{text}\x1b[0m"
            cells.append(text)
        o = outlook.get((iid, region))
        cells += old_outlook_cells(o, lang)[2:] if o else ["—"] * 4
        rows.append(cells)
    title = labels["gap_title"].format(
        name=plan["name"], first=years[0] if years else "", last=years[-1] if years else ""
    )
    right = [False, False, False, *([True] * len(years)), True, True, False, True]
    table = old_ansi_table(header, rows, right)
    legend = "✗ = missed" if lang == "en" else "✗ = 未达标"
    return f"{title}\n\n{table}\n\n{legend}\n"


def old_gap_markdown(report: GapReport, *, lang: str = "zh") -> str:
    labels = render.LABELS[lang]
    plan = report.plan
    rows = [
        [
            r.name,
            old_region_label(r.region, plan, lang),
            str(r.year),
            *old_result_cells(r, plan, lang)[2:],
        ]
        for r in report.rows
    ]
    header = [labels["indicator"], labels["region"], labels["year"], *old_headers(lang)[2:]]
    names = {r.id: r.name for r in report.rows}
    outlook_rows = [
        [names.get(o.id, o.id), old_region_label(o.region, plan, lang), *old_outlook_cells(o, lang)]
        for o in report.outlook
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
        name=plan["name"],
        first=plan["baseline_year"],
        last=max((r.year for r in report.rows), default=""),
    )
    return (
        f"## {old_md_escape(title)}\n\n"
        + old_markdown_table(header, rows)
        + f"\n### {labels['outlook'].format(year=plan['target_year'])}\n\n"
        + old_markdown_table(outlook_header, outlook_rows)
    )


def old_gap_csv(report: GapReport) -> str:
    outlook = {(o.id, o.region): o for o in report.outlook}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = [
        "latest_year",
        "latest_value",
        "final_threshold",
        "projected_value",
        "on_track",
        "required_annual_change_pct",
    ]
    writer.writerow(render.CSV_FIELDS + extra)
    for r in report.rows:
        o = outlook.get((r.id, r.region))
        values = (
            []
            if o is None
            else [
                o.latest_year,
                old_csv_number(o.latest_value),
                old_csv_number(o.final_threshold),
                old_csv_number(o.projected_value),
                "" if o.on_track is None else str(o.on_track).lower(),
                old_csv_number(o.required_annual_change_pct),
            ]
        )
        writer.writerow(old_csv_row(r) + ["" if v is None else v for v in values])
    return buffer.getvalue()


def outcome(f: Any, *args: Any) -> Any:
    """What a call gives: its value, or the type of the exception it raises."""
    try:
        return f(*args)
    except Exception as e:
        return type(e)


# --------------------------------------------------------------------------- numbers


def random_floats(n: int, seed: int) -> list[float]:
    """Floats of every magnitude from random bit patterns, and their neighbours."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        out += [x, math.nextafter(x, math.inf), -x]
    return out


def near_powers_of_ten() -> list[float]:
    """Values on and a few ulps either side of each power of ten, and of 5 × one."""
    out = []
    for k in range(-324, 309):
        for base in (1.0, 5.0, 9.9995, 9.99995):
            x = base * 10.0**k if k < 300 else float(f"{base}e{k}")
            for _ in range(3):
                out += [x, -x]
                x = math.nextafter(x, math.inf)
            y = base * 10.0**k if k < 300 else float(f"{base}e{k}")
            for _ in range(3):
                y = math.nextafter(y, 0.0)
                out += [y, -y]
    return [x for x in out if math.isfinite(x)]


SPECIAL = [
    None,
    0,
    1,
    -1,
    True,
    False,
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.5,
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    1e16,
    1e16 + 2,
    2**53 + 1,
    10**30,
    -(10**30),
    0.1 + 0.2,
    0.00005,
    0.000049999999999999996,
    9.99995,
    99.995,
    0.0099995,
]


@pytest.mark.parametrize("digits", [4, 5, 9, 16, 17])
def test_fmt_number_matches_the_reference_on_many_floats(digits: int) -> None:
    values = [*SPECIAL, *random_floats(20_000, seed=digits), *near_powers_of_ten()]
    for value in values:
        assert outcome(render.fmt_number, value, digits) == outcome(
            old_fmt_number, value, digits
        ), (
            value,
            digits,
        )


def test_fmt_number_matches_the_reference_on_integers() -> None:
    rng = random.Random(7)
    values = [rng.randrange(-(10**k), 10**k) for k in range(1, 40) for _ in range(50)]
    for value in [*values, *map(float, values)]:
        assert render.fmt_number(value) == old_fmt_number(value)


@settings(max_examples=2000)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.booleans()), st.integers(0, 18))
def test_fmt_number_and_gap_match_the_reference(value: Any, digits: int) -> None:
    assert outcome(render.fmt_number, value, digits) == outcome(old_fmt_number, value, digits)
    assert outcome(render.fmt_gap, value) == outcome(old_fmt_gap, value)


numbers = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1, 0.01, 0.0100000001, 1.35, 1.3500004]),
)


@settings(max_examples=1000)
@given(numbers, numbers, st.integers(0, 60))
def test_fmt_pair_matches_the_reference(value: Any, threshold: Any, ulps: int) -> None:
    def same(v: Any, t: Any) -> None:
        assert outcome(render.fmt_pair, v, t) == outcome(old_fmt_pair, v, t), (v, t)

    same(value, threshold)
    if isinstance(value, float) and math.isfinite(value):
        near = value
        for _ in range(ulps):  # unequal numbers that read the same to 4 digits
            near = math.nextafter(near, math.inf)
        same(value, near)
        same(value, value * (1 + 1e-9))


@settings(max_examples=300)
@given(st.lists(st.tuples(numbers, numbers), max_size=40))
def test_pair_columns_match_fmt_pair_row_by_row(pairs: list[tuple[Any, Any]]) -> None:
    values = [v for v, _ in pairs]
    thresholds = [t for _, t in pairs]
    got = render._pair_columns(values, thresholds)
    assert list(zip(*got, strict=True)) == [old_fmt_pair(v, t) for v, t in pairs]


def test_equal_numbers_of_other_types_share_text_only_where_safe() -> None:
    values = [1, 1.0, True, 0, -0.0, 0.0, False, math.nan, math.nan, 2.5, 2.5]
    assert render._format_each(values, render.fmt_number) == list(map(old_fmt_number, values))
    assert render._csv_numbers(values * 3) == list(map(old_csv_number, values * 3))
    encode = json.JSONEncoder(ensure_ascii=False).encode
    assert render._json_scalars(values) == list(map(encode, values))
    prefix = ', "v": '
    columns = (
        [1, 1.0] * 5,
        [0.0, -0.0] * 5,
        [0, 0.5, -0.0, 0.5] * 3,
        [2, 2, 3.5, 3.5, None] * 3,
        [1, 1.0, True, 2.5, 2] * 4,
        [math.nan, 1e300, 1e300, None] * 3,
        ["a, b", None] * 4,
    )
    for column in columns:
        assert render._csv_numbers(column) == list(map(old_csv_number, column))
        pieces = render._json_column(prefix, column)
        texts = ["".join(parts) for parts in zip(*pieces, strict=False)]
        assert texts == [prefix + encode(v) for v in column]


# --------------------------------------------------------------------------- tables

CELLS = st.lists(
    st.sampled_from(
        [*"a1 .-|,\"'=+{}", *"—–✓✗≤≥−地区指标全域", "\x1b[31m", "\x1b[0m", "\n", "\u200d", "\t"]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=300)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(CELLS, min_size=n, max_size=n),
            st.lists(st.lists(CELLS, min_size=n, max_size=n), max_size=12),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    ),
    st.lists(st.sampled_from(["31", "32", None, ""]), min_size=12, max_size=12),
    st.booleans(),
)
def test_text_table_matches_the_reference(table: Any, colours: list[Any], colour: bool) -> None:
    header, rows, right = table
    # Many rows alike, as in real tables (the distinct cells are then padded once).
    rows = rows + rows * 10
    paints = colours * 11
    assert render.text_table(
        header, rows, colours=paints, colour=colour, align_right=right
    ) == old_text_table(header, rows, colours=paints, colour=colour, align_right=right)
    assert render.markdown_table(header, rows) == old_markdown_table(header, rows)


def test_text_table_wants_one_cell_per_column() -> None:
    with pytest.raises(ValueError, match="one cell per column"):
        render.text_table(["a", "b"], [["1", "2"], ["3"]])


def test_cell_width_matches_rich() -> None:
    texts = [
        "",
        "abc",
        "地区",
        "✓ met",
        "✗ 未达标",
        "— x",
        "≤ 0.5",
        "✓\u200d",
        "a\ufe0f",
        "\x1b[31m",
    ]
    for text in texts:
        assert render.cell_width(text) == old_cell_width(text), text


# --------------------------------------------------------------------------- reports

TARGETS = [
    {"kind": "max", "value": 0.01},
    {"kind": "max", "value": 0},
    {"kind": "min", "value": 5},
    {"kind": "decline_pct", "value": 10, "baseline_year": 2019},
    {"kind": "decline_pct", "value": 12.5},
    {"kind": "yoy_decline", "value": True},
]
NAMES = ["死亡人数", "rate | per, 10k", '=SUM(A1) "x"', '}, {"id": x', "道路交通万车死亡率"]
REGIONS = [None, "东城区", 'West, "Old" Town', "-5", "a|b", "全国", "x\ny"]
STATUSES = ["met", "missed", "no_data"]
VALUES = [None, 0, 1, 1.0, -0.0, 0.0, 0.01, 0.0100000001, 1.35, 2.5, 2**70, 1e-12, 123456.789]


def make_results(rng: random.Random, n: int, years: Sequence[int]) -> list[Result]:
    def number() -> Any:
        return (
            rng.choice(VALUES)
            if rng.random() < 0.5
            else rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-8, 6)
        )

    out = []
    for _ in range(n):
        index = rng.randrange(len(TARGETS))
        value = number()
        out.append(
            Result(
                id=f"ind{index}",
                name=NAMES[index % len(NAMES)],
                region=rng.choice(REGIONS),
                year=rng.choice(years),
                value=value,
                target=TARGETS[index],
                threshold=value if rng.random() < 0.1 else number(),
                gap=number(),
                status=rng.choice(STATUSES),
            )
        )
    return out


def make_outlook(rng: random.Random, results: list[Result]) -> list[Outlook]:
    keys = list(dict.fromkeys((r.id, r.region) for r in results))
    out = []
    for iid, region in keys:
        if rng.random() < 0.2:
            continue  # some rows have no outlook
        out.append(
            Outlook(
                id=iid,
                region=region,
                latest_year=rng.choice([None, 2023, 2024]),
                latest_value=rng.choice(VALUES),
                final_threshold=rng.choice([*VALUES, rng.random()]),
                projected_value=rng.choice([None, rng.uniform(-5, 5), 3]),
                on_track=rng.choice([None, True, False]),
                required_annual_change_pct=rng.choice([None, -0.0, 0.0, rng.uniform(-50, 50)]),
            )
        )
    return out


PLANS = [
    {
        "name": '示例市"十四五"规划 | x',
        "region": "示例市",
        "baseline_year": 2020,
        "target_year": 2025,
    },
    {"name": "Plan", "region": None, "baseline_year": 2020, "target_year": 2025},
]


@pytest.mark.parametrize("seed", range(12))
def test_check_renderers_match_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    plan = PLANS[seed % 2]
    results = make_results(rng, rng.choice([0, 1, 7, 60, 400]), [2024])
    report = CheckReport(plan=plan, year=2024, results=results)
    for lang in ("zh", "en"):
        for colour in (False, True):
            assert render.check_table(report, colour=colour, lang=lang) == old_check_table(
                report, colour=colour, lang=lang
            )
        assert render.check_markdown(report, lang=lang) == old_check_markdown(report, lang=lang)
    assert render.check_json(report) == old_dump_json(report.to_dict(), "results")
    assert render.results_csv(results) == old_results_csv(results)


@pytest.mark.parametrize("seed", range(12))
def test_gap_renderers_match_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    plan = PLANS[seed % 2]
    rows = make_results(rng, rng.choice([0, 1, 9, 80, 500]), [2020, 2021, 2022, 2024])
    report = GapReport(plan=plan, rows=rows, outlook=make_outlook(rng, rows))
    for lang in ("zh", "en"):
        for colour in (False, True):
            assert render.gap_table(report, colour=colour, lang=lang) == old_gap_table(
                report, colour=colour, lang=lang
            )
        assert render.gap_markdown(report, lang=lang) == old_gap_markdown(report, lang=lang)
    assert render.gap_json(report) == old_dump_json(report.to_dict(), "rows", "outlook")
    assert render.gap_csv(report) == old_gap_csv(report)


def test_dump_json_matches_the_reference() -> None:
    payload = {
        "schema_version": 1,
        "records": [{"id": 1, "x": 'a}, {"id": 2'}, {"id": 2, "y": [1.0, None]}],
        "summary": [{"year": 2024, "n": 3}, "text, with comma"],
        "empty": [],
        "other": {"a": [1, 2]},
    }
    for lists in ((), ("records",), ("records", "summary", "empty")):
        assert render.dump_json(payload, *lists) == old_dump_json(payload, *lists)
