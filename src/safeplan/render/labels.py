"""The one label table: every word safeplan's outputs show, in Chinese and English."""

from __future__ import annotations

from typing import Any

from safeplan.render.numbers import fmt_number

LABELS: dict[str, dict[str, str]] = {
    "zh": {
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
        "whole": "全域",
        "check_title": "{name} — {year}年控制指标检查",
        "summary": "达标 {met} 项，未达标 {missed} 项，无数据 {no_data} 项",
        "max": "≤ {v}",
        "min": "≥ {v}",
        "decline_pct": "较{b}年下降 {v}%",
        "yoy_decline": "低于上年",
        "latest_year": "最新年份",
        "latest_value": "最新值",
        "final_threshold": "目标年阈值",
        "projected_value": "预计目标年值",
        "on_track": "能否如期实现",
        "required": "所需年均变化%",
        "yes": "是",
        "no": "否",
        "unknown": "—",
        "outlook": "到{year}年展望",
        "gap_title": "{name} — 目标差距表（{first}–{last}年）",
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
        "whole": "whole plan",
        "check_title": "{name} — control indicators in {year}",
        "summary": "{met} met, {missed} missed, {no_data} without data",
        "max": "≤ {v}",
        "min": "≥ {v}",
        "decline_pct": "−{v}% vs {b}",
        "yoy_decline": "below last year",
        "latest_year": "latest year",
        "latest_value": "latest value",
        "final_threshold": "final threshold",
        "projected_value": "projected",
        "on_track": "on track",
        "required": "required %/yr",
        "yes": "yes",
        "no": "no",
        "unknown": "—",
        "outlook": "outlook to {year}",
        "gap_title": "{name} — target gap ({first}–{last})",
    },
}


def target_text(target: dict[str, Any] | None, baseline: int, lang: str = "zh") -> str:
    """A target as people write it: ≤ 0.01, 较2020年下降 10%, 低于上年 (— where none binds)."""
    labels = LABELS[lang]
    if target is None:
        return labels["unknown"]
    kind = target["kind"]
    b = target.get("baseline_year", baseline)
    return labels[kind].format(v=fmt_number(target["value"]) if kind != "yoy_decline" else "", b=b)


def _region_label(region: str | None, plan: dict[str, Any], lang: str) -> str:
    if region is not None:
        return region
    return plan.get("region") or LABELS[lang]["whole"]
