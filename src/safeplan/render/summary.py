"""The written summary (总体情况) of a year's evaluation, in the wording of an 评估报告.

It names what is met and what is missed, with each value, its change against the
baseline and its year's requirement; then the regions; then the outlook to the target
year. ``safeplan check YEAR --format text`` prints it, and it opens the HTML and Word
reports: "2024年，示例市5项控制指标中3项达到年度目标，2项未达到……"
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from safeplan.render.completion import Line, completion, precisions, region_table
from safeplan.render.labels import LABELS, plan_name, whole_label
from safeplan.render.numbers import GENERIC, Precision, fmt_fixed, fmt_number, fmt_pct

if TYPE_CHECKING:
    from safeplan.evaluate.results import CheckReport, Outlook
    from safeplan.render import Options

_NAMED_REGIONS = 12  # up to this many regions are named one by one


def _unit(line: Line) -> str:
    # "35人", "0起"; a compound unit (人/亿元) does not follow a number in running text.
    unit = line.unit
    return unit if unit and "/" not in unit else ""


def _sentence_zh(line: Line, year: int, baseline: int) -> str:
    r = line.result
    texts = line.texts
    unit = _unit(line)
    kind = r.target["kind"] if r.target else None
    if r.value is None:
        return f"{r.name}{year}年无数据，无法评估"
    if r.value == 0 and kind == "max" and line.final == 0:
        return f"{r.name}为0，实现控制目标"
    parts = [f"{r.name}{texts['actual']}{unit}"]
    if r.baseline_value is not None and year != baseline:
        if texts["change"] == LABELS["zh"]["flat"]:
            parts.append(f"与{baseline}年持平")
        elif texts["change"] != "—":
            parts.append(f"较{baseline}年{texts['change']}")
    threshold = texts["progress"].lstrip("≤≥<")
    # A cap or floor as the plan writes it (0.01, 1.35), not as a table column shows it.
    target = fmt_number(r.target["value"]) if r.target and kind in ("max", "min") else ""
    met = r.status == "met"
    if r.status == "no_target":
        parts.append("该地区无约束性目标")
    elif kind == "decline_pct":
        parts.append(
            f"完成序时进度要求（{threshold}{unit}以内）"
            if met
            else f"未完成序时进度要求（应控制在{threshold}{unit}以内）"
        )
    elif kind == "max":
        parts.append(f"控制在{target}{unit}以内" if met else f"高于{target}{unit}的控制目标")
    elif kind == "min":
        parts.append(f"达到不低于{target}{unit}的目标" if met else f"低于{target}{unit}的目标要求")
    else:
        parts.append("实现同比下降" if met else f"未实现同比下降（上年{threshold}{unit}）")
    return "，".join(parts)


def _sentence_en(line: Line, year: int, baseline: int) -> str:
    r = line.result
    texts = line.texts
    if r.value is None:
        return f"{r.name}: no data for {year}"
    change = "" if texts["change"] == "—" else f" ({texts['change']} vs {baseline})"
    unit = f" {line.unit}" if line.unit else ""
    verdict = {
        "met": "meets",
        "missed": "misses",
        "no_data": "has no data for",
        "no_target": "has no binding target in",
    }[r.status]
    return (
        f"{r.name}: {texts['actual']}{unit}{change}, which {verdict} "
        f"this year's requirement {texts['progress']}"
    )


def _overview(lines: Sequence[Line], year: int, where: str, lang: str) -> str:
    tally = Counter(line.result.status for line in lines)
    missed = [line.result.name for line in lines if line.result.status == "missed"]
    no_data = [line.result.name for line in lines if line.result.status == "no_data"]
    n = len(lines)
    if lang == "en":
        text = f"In {year}, {tally['met']} of the {n} control indicators of {where} were met"
        if missed:
            text += f"; {len(missed)} missed: {', '.join(missed)}"
        if no_data:
            text += f"; {len(no_data)} without data: {', '.join(no_data)}"
        return text + "."
    if tally["met"] == n:
        return f"{year}年，{where}{n}项控制指标全部达到年度目标。"
    text = f"{year}年，{where}{n}项控制指标中{tally['met']}项达到年度目标"
    if missed:
        text += f"，{len(missed)}项未达到（{'、'.join(missed)}）"
    if no_data:
        text += f"，{len(no_data)}项无数据（{'、'.join(no_data)}）"
    return text + "。"


def _regions(check: CheckReport, lang: str, precision_of: Mapping[str, Precision]) -> str | None:
    table = region_table(
        check.results, check.indicators, check.plan, lang, precision_of=precision_of
    )
    if table is None:
        return None
    n = len(table.regions)
    clean = [region for region, k in zip(table.regions, table.missed, strict=True) if k == 0]
    failing = sorted(
        (
            (k, region, i)
            for i, (region, k) in enumerate(zip(table.regions, table.missed, strict=True))
            if k
        ),
        key=lambda item: -item[0],
    )
    per_indicator = [
        (statuses.count("missed"), line.result.name)
        for line, statuses in zip(table.lines, table.statuses, strict=True)
    ]
    if lang == "en":
        return (
            f"Of the {n} regions, {len(clean)} met every indicator and {len(failing)} missed "
            "at least one."
        )
    text = f"分地区看，{n}个地区中，"
    if not clean and n <= _NAMED_REGIONS:
        text = f"分地区看，{n}个地区均有指标未达标：" if n > 1 else "分地区看，"
    if n <= _NAMED_REGIONS:
        parts = []
        if clean:
            parts.append(f"{len(clean)}个地区各项指标全部达标（{'、'.join(clean)}）")
        if failing:
            named = []
            for k, region, i in failing:
                names = [
                    line.result.name
                    for line, statuses in zip(table.lines, table.statuses, strict=True)
                    if statuses[i] == "missed"
                ]
                named.append(f"{region}{k}项（{'、'.join(names)}）")
            lead = f"{len(failing)}个地区有指标未达标：" if clean else ""
            parts.append(lead + "、".join(named))
        return text + "；".join(parts) + "。"
    text += f"{len(clean)}个地区各项指标全部达标，{len(failing)}个地区有指标未达标"
    worst = max(per_indicator, default=(0, ""))
    if worst[0]:
        text += f"；未达标地区最多的是{worst[1]}（{worst[0]}个地区）"
    return text + "。"


def _outlook(
    lines: Sequence[Line],
    outlook: Sequence[Outlook],
    plan: Mapping[str, Any],
    region: str | None,
    lang: str,
) -> str | None:
    by_id = {o.id: o for o in outlook if o.region == region}
    good, bad = [], []
    for line in lines:
        o = by_id.get(line.result.id)
        if o is None or o.on_track is None or o.projected_value is None:
            continue
        p = line.precision if line.precision.value is not None else GENERIC
        # A straight line that falls below 0 is clipped there: "降至0", not "0.0000"; a
        # value that is 0 already stays there.
        if o.projected_value == 0:
            projected = "保持0" if o.latest_value == 0 else "降至0"
        else:
            projected = fmt_fixed(
                o.projected_value, p.threshold if p.threshold is not None else None
            )
        unit = _unit(line)
        if o.on_track:
            good.append(
                f"{line.result.name}（预计{projected}{unit}）" if lang == "zh" else line.result.name
            )
            continue
        target = line.result.target or {}
        final = (
            fmt_number(target["value"])
            if target.get("kind") in ("max", "min")
            else fmt_fixed(o.final_threshold, p.threshold)
        )
        pace = o.required_annual_change_pct
        if lang == "en":
            bad.append(line.result.name)
        elif pace is not None and pace < 0:
            bad.append(
                f"{line.result.name}（预计{projected}{unit}，目标{final}{unit}，"
                f"需年均下降{fmt_pct(pace)}%）"
            )
        else:
            bad.append(f"{line.result.name}（预计{projected}{unit}，目标{final}{unit}）")
    if not good and not bad:
        return None
    target_year = plan["target_year"]
    if lang == "en":
        text = f"Projected to {target_year} on the trend since the baseline: "
        text += f"on track: {', '.join(good) or 'none'}; off track: {', '.join(bad) or 'none'}."
        return text
    text = f"展望{target_year}年，按{plan['baseline_year']}年以来的变化趋势外推，"
    parts = []
    if good:
        parts.append(
            f"{'、'.join(good)}{'等' if len(good) > 1 else ''}{len(good)}项指标可如期实现规划目标"
        )
    if bad:
        parts.append(f"{'、'.join(bad)}{len(bad)}项指标按现有趋势难以如期实现，需加大工作力度")
    return text + "；".join(parts) + "。"


def summary_paragraphs(
    check: CheckReport,
    outlook: Sequence[Outlook] | None = None,
    lang: str = "zh",
    *,
    region: str | None = None,
) -> list[str]:
    """The summary's paragraphs: the overview, each indicator, the regions, the outlook.

    ``region`` picks the results described (None: the whole plan); a check run for one
    region (``--region``) describes that region. ``outlook`` comes from ``gap`` as of the
    checked year; without it there is no outlook paragraph.
    """
    results = check.results
    if region is None and not any(r.region is None for r in results) and results:
        region = results[0].region
    precision_of = precisions(results, check.indicators)
    lines = completion(
        results, check.indicators, check.plan, lang, region=region, precision_of=precision_of
    )
    where = region if region is not None else whole_label(check.plan, lang)
    baseline = int(check.plan["baseline_year"])
    paragraphs = [_overview(lines, check.year, where, lang)]
    sentence = _sentence_zh if lang == "zh" else _sentence_en
    details = [sentence(line, check.year, baseline) for line in lines]
    if details:
        paragraphs.append(
            ("其中，" + "；".join(details) + "。") if lang == "zh" else ". ".join(details) + "."
        )
    if region is None:
        regions = _regions(check, lang, precision_of)
        if regions:
            paragraphs.append(regions)
    if outlook:
        ahead = _outlook(lines, outlook, check.plan, region, lang)
        if ahead:
            paragraphs.append(ahead)
    return paragraphs


def summary_text(
    check: CheckReport, outlook: Sequence[Outlook] | None = None, lang: str = "zh"
) -> str:
    """The summary as plain text: a title line, then one paragraph per line."""
    name = plan_name(check.plan, lang)
    title = LABELS[lang]["check_title"].format(name=name, year=check.year)
    paragraphs = summary_paragraphs(check, outlook, lang)
    indent = "　　" if lang == "zh" else ""
    return "\n\n".join([title, *(indent + p for p in paragraphs)]) + "\n"


def render_text(report: CheckReport, options: Options) -> str:
    """``check --format text``: the written summary (with the outlook when the report
    carries one)."""
    return summary_text(report, getattr(report, "outlook", None), options.lang)
