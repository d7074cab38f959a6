"""The one label table: every word safeplan's outputs show, in Chinese and English.

Terminal tables, Markdown, CSV headers for people, workbooks, charts, the HTML and the
Word report all take their words from :data:`LABELS`, so the whole plan is called the same
everywhere (the plan's ``region``, else :data:`LABELS` ``["whole"]``), a status reads the
same everywhere, and a target is worded the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safeplan.render.numbers import fmt_fixed, fmt_number

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        # results
        "indicator": "指标",
        "region": "地区",
        "year": "年份",
        "value": "数值",
        "target": "目标",
        "threshold": "本年阈值",
        "gap": "差距",
        "status": "状态",
        "met": "✓ 达标",
        "missed": "✗ 未达标",
        "no_data": "– 无数据",
        "no_target": "○ 无目标",
        "met_word": "达标",
        "missed_word": "未达标",
        "no_data_word": "无数据",
        "no_target_word": "无目标",
        "whole": "全域",
        "yes": "是",
        "no": "否",
        "unknown": "—",
        # targets, thresholds and changes as planners write them
        "cumulative": "{b}年以来累计",
        "plan_max": "≤{v}",
        "plan_min": "≥{v}",
        "plan_decline": "较{b}年下降{v}%",
        "plan_decline_final": "较{b}年下降{v}%（≤{f}）",
        "plan_yoy": "低于上年",
        "le": "≤{v}",
        "ge": "≥{v}",
        "lt": "<{v}",
        "down": "下降{p}%",
        "up": "上升{p}%",
        "flat": "持平",
        "binding": "约束性",
        "expected": "预期性",
        # the 指标完成情况表
        "seq": "序号",
        "name": "指标名称",
        "unit": "单位",
        "attribute": "指标属性",
        "baseline_value": "基期值",
        "plan_target": "规划目标值",
        "progress": "序时进度要求",
        "actual": "本年实际值",
        "actual_value": "实际值",
        "change": "较基期变化",
        "result": "完成情况",
        "missed_count": "未达标项数",
        # titles and captions
        "check_title": "{name} — {year}年控制指标完成情况",
        "summary": "达标 {met} 项，未达标 {missed} 项，无数据 {no_data} 项",
        "summary_no_target": "，无目标 {no_target} 项",
        "table": "表{n}",
        "figure": "图{n}",
        "completion_caption": "{where}{year}年控制指标完成情况",
        "regions_caption": "分地区控制指标完成情况（{year}年）",
        "regions_legend": "✗ 未达标，○ 无目标（该地区无约束性目标），— 无数据",
        "grid_caption": "{where}控制指标逐年完成情况（{first}—{last}年）",
        "grid_legend": "每格：实际值；括号内为当年序时进度要求，✗ 为未达标",
        "outlook_caption": "到{year}年规划目标展望（{where}）",
        "detail_caption": "{where}逐年目标差距明细",
        "region_chart": "{year}年各地区{name}",
        "report_title": "{name}{year}年度控制指标完成情况评估",
        "unit_in": "（{unit}）",
        "unit_note": "单位：{unit}",
        # gap and the outlook
        "latest_year": "最新年份",
        "latest_value": "最新值",
        "final_threshold": "目标年阈值",
        "projected_value": "趋势外推值",
        "on_track": "能否如期实现",
        "required": "所需年均变化",
        "on_track_yes": "可如期实现",
        "on_track_no": "难以如期实现",
        "outlook": "到{year}年展望",
        "gap_title": "{name} — 目标差距表（{first}–{last}年）",
        "gap_legend": "✗ = 未达标",
        # charts
        "chart_series": "实际值",
        "chart_glide": "序时进度要求（较{b}年下降{p}%）",
        "chart_max": "控制目标 ≤{x}",
        "chart_min": "目标 ≥{x}",
        "chart_yoy": "上年值（须低于）",
        "chart_projection": "趋势外推至{t}年",
        "chart_year": "年份",
        "chart_title": "{name}（{region}）",
        "chart_target_label": "目标 {x}",
        "monitor_title": "{name} — {period}生产安全事故情况（统计截至{through}）",
        "group": "分组",
        "all_groups": "全部",
        "month": "本月",
        "month_accidents": "本月起数",
        "month_deaths": "本月死亡",
        "month_prev_accidents": "去年同月起数",
        "month_prev_deaths": "去年同月死亡",
        "month_accidents_change": "本月起数同比",
        "month_deaths_change": "本月死亡同比",
        "last_month_accidents": "上月起数",
        "last_month_deaths": "上月死亡",
        "month_accidents_mom": "本月起数环比",
        "month_deaths_mom": "本月死亡环比",
        "accidents": "{period}起数",
        "deaths": "{period}死亡",
        "prev_accidents": "去年同期起数",
        "prev_deaths": "去年同期死亡",
        "accidents_change": "起数同比",
        "deaths_change": "死亡同比",
        "serious_injuries": "重伤人数",
        "prev_serious_injuries": "去年同期重伤",
        "serious_injuries_change": "重伤同比",
        "direct_loss": "直接经济损失(万元)",
        "prev_direct_loss": "去年同期损失(万元)",
        "direct_loss_change": "损失同比",
        "larger_or_above": "较大及以上",
        "prev_larger_or_above": "去年同期较大及以上",
        "major_or_above": "重特大",
        "double_decline": "双下降",
        "cap": "年度控制数",
        "used": "已发生",
        "used_pct": "使用进度",
        "elapsed_pct": "时间进度",
        "ahead": "⚠ 超时间进度",
        "behind": "✓ 未超进度",
        "caps_title": "年度控制指标进度（时间进度 {elapsed}%）",
        "larger_title": "较大及以上事故",
        "date": "日期",
        "sector": "行业",
        "class": "等级",
        "serious_injuries_short": "重伤",
        "group_industrial": "工矿商贸",
        "group_road": "道路交通",
        "group_fire": "火灾",
        "group_construction": "建筑施工",
        "group_chemicals": "危险化学品",
        "group_coal": "煤矿",
        "group_mining": "矿山",
        "group_water": "水上交通",
        "group_rail": "铁路交通",
    },
    "en": {
        "indicator": "indicator",
        "region": "region",
        "year": "year",
        "value": "value",
        "target": "target",
        "threshold": "threshold",
        "gap": "gap",
        "status": "status",
        "met": "✓ met",
        "missed": "✗ missed",
        "no_data": "– no data",
        "no_target": "○ no target",
        "met_word": "met",
        "missed_word": "missed",
        "no_data_word": "no data",
        "no_target_word": "no target",
        "whole": "whole plan",
        "yes": "yes",
        "no": "no",
        "unknown": "—",
        "cumulative": "total since {b}",
        "plan_max": "≤ {v}",
        "plan_min": "≥ {v}",
        "plan_decline": "−{v}% vs {b}",
        "plan_decline_final": "−{v}% vs {b} (≤ {f})",
        "plan_yoy": "below last year",
        "le": "≤ {v}",
        "ge": "≥ {v}",
        "lt": "< {v}",
        "down": "−{p}%",
        "up": "+{p}%",
        "flat": "unchanged",
        "binding": "binding",
        "expected": "expected",
        "seq": "no.",
        "name": "indicator",
        "unit": "unit",
        "attribute": "type",
        "baseline_value": "baseline",
        "plan_target": "plan target",
        "progress": "required this year",
        "actual": "actual",
        "actual_value": "value",
        "change": "vs baseline",
        "result": "result",
        "missed_count": "missed",
        "check_title": "{name} — control indicators in {year}",
        "summary": "{met} met, {missed} missed, {no_data} without data",
        "summary_no_target": ", {no_target} without a target",
        "table": "Table {n}",
        "figure": "Figure {n}",
        "completion_caption": "Control indicators of {where} in {year}",
        "regions_caption": "Control indicators by region ({year})",
        "regions_legend": "✗ missed, ○ no binding target, — no data",
        "grid_caption": "Control indicators of {where} year by year ({first}–{last})",
        "grid_legend": "Each cell: the value; in brackets the year's requirement; ✗ missed",
        "outlook_caption": "Outlook to {year} ({where})",
        "detail_caption": "Gap to the requirement, year by year ({where})",
        "region_chart": "{name} by region, {year}",
        "report_title": "{name}: control indicators in {year}",
        "unit_in": " ({unit})",
        "unit_note": "unit: {unit}",
        "latest_year": "latest year",
        "latest_value": "latest value",
        "final_threshold": "final threshold",
        "projected_value": "projected",
        "on_track": "on track",
        "required": "required change/yr",
        "on_track_yes": "on track",
        "on_track_no": "off track",
        "outlook": "outlook to {year}",
        "gap_title": "{name} — target gap ({first}–{last})",
        "gap_legend": "✗ = missed",
        "chart_series": "Actual",
        "chart_glide": "Required (−{p}% from {b})",
        "chart_max": "Target ≤ {x}",
        "chart_min": "Target ≥ {x}",
        "chart_yoy": "Previous year (must be lower)",
        "chart_projection": "Projection to {t}",
        "chart_year": "Year",
        "chart_title": "{name} — {region}",
        "chart_target_label": "target {x}",
        "monitor_title": "{name} — accidents {period} (through {through})",
        "group": "group",
        "all_groups": "all",
        "month": "month",
        "month_accidents": "month accidents",
        "month_deaths": "month deaths",
        "month_prev_accidents": "same month last year, accidents",
        "month_prev_deaths": "same month last year, deaths",
        "month_accidents_change": "month accidents yoy",
        "month_deaths_change": "month deaths yoy",
        "last_month_accidents": "last month accidents",
        "last_month_deaths": "last month deaths",
        "month_accidents_mom": "month accidents mom",
        "month_deaths_mom": "month deaths mom",
        "accidents": "accidents {period}",
        "deaths": "deaths {period}",
        "prev_accidents": "accidents a year earlier",
        "prev_deaths": "deaths a year earlier",
        "accidents_change": "accidents yoy",
        "deaths_change": "deaths yoy",
        "serious_injuries": "serious injuries",
        "prev_serious_injuries": "serious injuries a year earlier",
        "serious_injuries_change": "serious injuries yoy",
        "direct_loss": "direct loss (10k yuan)",
        "prev_direct_loss": "direct loss a year earlier",
        "direct_loss_change": "direct loss yoy",
        "larger_or_above": "larger or above",
        "prev_larger_or_above": "larger or above a year earlier",
        "major_or_above": "major or above",
        "double_decline": "double decline",
        "cap": "annual cap",
        "used": "used",
        "used_pct": "used %",
        "elapsed_pct": "year elapsed %",
        "ahead": "⚠ ahead of time",
        "behind": "✓ within time",
        "caps_title": "annual caps (year elapsed {elapsed}%)",
        "larger_title": "accidents of class larger or above",
        "date": "date",
        "sector": "sector",
        "class": "class",
        "serious_injuries_short": "serious injuries",
    },
}

STATUSES = ("met", "missed", "no_data", "no_target")
"""Every status a result can have, in the order tallies list them."""


def labels_for(lang: str) -> dict[str, str]:
    """The labels of a language (``zh`` or ``en``)."""
    return LABELS[lang]


def target_text(
    target: Mapping[str, Any] | None,
    baseline: int,
    lang: str = "zh",
    *,
    final: str | None = None,
) -> str:
    """A target as planners write it (the 规划目标值): ≤0.01, 较2020年下降10%, 低于上年;
    with ``final``, a decline also names where it ends: 较2020年下降10%（≤36.0）; a period
    target names its period: 2021年以来累计≤0; "—" where no target binds."""
    labels = LABELS[lang]
    if target is None:
        return labels["unknown"]
    kind = target["kind"]
    b = target.get("baseline_year", baseline)
    if kind == "yoy_decline":
        return labels["plan_yoy"]
    v = fmt_number(target["value"])
    if kind == "decline_pct":
        if final is not None:
            return labels["plan_decline_final"].format(b=b, v=v, f=final)
        return labels["plan_decline"].format(b=b, v=v)
    text = labels["plan_max" if kind == "max" else "plan_min"].format(v=v)
    if target.get("cumulative"):  # the sum from the year after the baseline
        return labels["cumulative"].format(b=baseline + 1) + text
    return text


def threshold_text(kind: str, threshold: str, lang: str) -> str:
    """This year's requirement (序时进度要求) with its comparison: ≤36.8, ≥90, <38."""
    if threshold == "—":
        return threshold
    labels = LABELS[lang]
    sign = "ge" if kind == "min" else "lt" if kind == "yoy_decline" else "le"
    return labels[sign].format(v=threshold)


def change_text(change_pct: float | None, lang: str, *, unchanged: bool = False) -> str:
    """A change against the baseline as planners write it: 下降12.5%, 上升3.0%, 持平."""
    labels = LABELS[lang]
    if unchanged:
        return labels["flat"]
    if change_pct is None or change_pct != change_pct:
        return "—"
    shown = fmt_fixed(abs(change_pct), 1)
    if shown == "0.0":
        return labels["flat"]
    return labels["down" if change_pct < 0 else "up"].format(p=shown)


def attribute_text(attribute: str | None, lang: str) -> str:
    """约束性 / 预期性, or "—" when the plan does not say."""
    return LABELS[lang][attribute] if attribute in ("binding", "expected") else "—"


def whole_label(plan: Mapping[str, Any], lang: str) -> str:
    """The name of the whole plan's aggregate: the plan's ``region``, else "全域"."""
    return str(plan.get("region") or LABELS[lang]["whole"])


def _region_label(region: str | None, plan: Mapping[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return whole_label(plan, lang)


def zh_quotes(text: str) -> str:
    """Straight double quotes made Chinese quotation marks, in pairs: "十四五" → “十四五”."""
    if '"' not in text:
        return text
    parts = text.split('"')
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        out.append(("“" if i % 2 == 0 else "”") + part)
    return "".join(out)


def plan_name(plan: Mapping[str, Any], lang: str) -> str:
    """The plan's name as a document writes it (Chinese quotation marks in Chinese)."""
    name = str(plan["name"])
    return zh_quotes(name) if lang == "zh" else name


def with_unit(text: str, unit: str | None, lang: str) -> str:
    """``text`` followed by its unit in brackets: 死亡人数（人）."""
    return text + LABELS[lang]["unit_in"].format(unit=unit) if unit else text
