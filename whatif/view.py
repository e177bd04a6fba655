"""The what-if as the warden reads it: one table (rows of figures, a column per scenario,
today's configuration first) for the CLI, the report screen's tab and the HTML report."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from booking.meetings import DELAY_REASONS

from .engine import ScenarioResult, WhatIf

NONE = "—"
# Row labels (zh, en) of the mean counts.
COUNT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("verified", "会见申请", "meeting requests"),
    ("met", "48小时内会见", "met within 48 h"),
    ("breached", "超过48小时", "breached"),
    ("deferred_by_lawyer", "律师选择延后", "deferred by lawyer"),
    ("no_show", "律师未到", "no-shows"),
    ("cancelled", "律师撤回", "cancelled by lawyer"),
    ("open", "尚未到期", "open (deadline ahead)"),
    ("interrogation_room_meetings", "讯问室会见", "interrogation-room meetings"),
    ("video_meetings", "远程视频会见", "video meetings"),
    ("saturday_meetings", "周六会见", "Saturday meetings"),
    ("sunday_meetings", "周日会见", "Sunday meetings"),
)
# What happened to a breach, when the report has no reason codes (booking.report.Happened).
HAPPENED: dict[str, tuple[str, str]] = {
    "started_late": ("开始晚于期限", "started late"),
    "booked_not_started": ("已预约未开始", "booked, not started"),
    "released_not_rebooked": ("迟到释放未再约", "released, not rebooked"),
    "never_booked": ("期限内未能预约", "not booked"),
    "not_booked": ("期限内未能预约", "not booked"),
}
LEVERS: dict[str, tuple[str, str]] = {
    "holiday_duty_sessions": ("节假日值班（预排，场）", "holiday duty sessions (planned)"),
    "interrogation": ("讯问室（期限内唯一可用）", "interrogation room as the lever"),
    "video": ("视频终端（期限内唯一可用）", "video terminal as the lever"),
    "sunday_duty": ("周日临时值班（场）", "Sunday duty sessions on demand"),
    "holiday_duty": ("节假日临时值班（场）", "holiday duty sessions on demand"),
    "not_booked": ("无法预约（次）", "could not be booked"),
    "lapsed": ("迟到后期限内无空位", "lapsed after lateness (B10)"),
}


def reason_name(code: str) -> tuple[str, str]:
    return DELAY_REASONS.get(code) or HAPPENED.get(code) or (code, code)


@dataclass(frozen=True)
class Table:
    headers: list[tuple[str, str]]  # (zh, en) per column; the first is the row label
    rows: list[tuple[tuple[str, str], list[str]]]  # (label zh, en), a value per scenario


def rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def spread(result: ScenarioResult) -> str:
    s = result.spread
    if s is None:
        return NONE
    low, high, sd = s
    return f"{low:.1%}–{high:.1%} sd {sd * 100:.1f}"


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def table(whatif: WhatIf) -> Table:
    results = whatif.results
    headers = [("项目", "figure")] + [(r.scenario.zh, r.scenario.name) for r in results]
    rows: list[tuple[tuple[str, str], list[str]]] = [
        (("预计48小时达标率", "expected compliance"), [rate(r.mean_rate) for r in results]),
        (("波动（最低–最高，标准差）", "spread (min–max, sd)"), [spread(r) for r in results]),
    ]
    for key, zh, en in COUNT_ROWS[:7]:
        rows.append(((zh, en), [_number(r.mean(key)) for r in results]))
    reasons = sorted({k for r in results for k in r.mean_reasons()})
    for code in reasons:
        zh, en = reason_name(code)
        rows.append(((f"  超时：{zh}", f"  breach: {en}"),
                     [_number(r.mean_reasons().get(code, 0)) for r in results]))
    for key, zh, en in COUNT_ROWS[7:]:
        rows.append(((zh, en), [_number(r.mean(key)) for r in results]))
    levers = sorted({k for r in results for k in r.mean_levers()})
    for key in levers:
        zh, en = LEVERS.get(key, (key, key))
        rows.append(((zh, en), [_number(r.mean_levers().get(key, 0)) for r in results]))
    rows.append((("数字核对（R2）", "figures reconcile (R2)"),
                 ["✔" if r.reconciles else "✘" for r in results]))
    return Table(headers=headers, rows=rows)


def best_line(whatif: WhatIf) -> tuple[str, str]:
    """Which lever helps most, against today's configuration (zh, en)."""
    today, best = whatif.results[0], whatif.best()
    if best is None or today.mean_rate is None or best.mean_rate is None:
        return "没有可比较的情景", "no scenario to compare"
    gain = (best.mean_rate - today.mean_rate) * 100
    if gain <= 0:
        return (f"各情景均未高于今日配置（{rate(today.mean_rate)}）",
                f"no scenario beats today's configuration ({rate(today.mean_rate)})")
    return (f"最有帮助：{best.scenario.zh}，{rate(today.mean_rate)} → {rate(best.mean_rate)}"
            f"（+{gain:.1f} 个百分点）",
            f"helps most: {best.scenario.en} ({best.scenario.name}), {rate(today.mean_rate)}"
            f" → {rate(best.mean_rate)} (+{gain:.1f} points)")


def _width(text: str) -> int:
    """Terminal cells: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def text_table(whatif: WhatIf) -> str:
    """The table for a terminal, Chinese and English labels side by side."""
    t = table(whatif)
    labels = [f"{zh} {en}" for (zh, en), _ in t.rows]
    label_width = max(_width(x) for x in labels + ["项目 figure"])
    columns = [[f"{zh}", en] for zh, en in t.headers[1:]]
    widths = [max(max(_width(c[0]), _width(c[1])),
                  *(_width(values[i]) for _, values in t.rows)) for i, c in enumerate(columns)]
    lines = [_pad("", label_width) + "  " + "  ".join(_pad(c[0], w, True)
                                                      for c, w in zip(columns, widths, strict=True)),
             _pad("项目 figure", label_width) + "  " + "  ".join(
                 _pad(c[1], w, True) for c, w in zip(columns, widths, strict=True))]
    lines.append("-" * (label_width + sum(w + 2 for w in widths)))
    for label, (_, values) in zip(labels, t.rows, strict=True):
        lines.append(_pad(label, label_width) + "  " + "  ".join(
            _pad(v, w, True) for v, w in zip(values, widths, strict=True)))
    return "\n".join(lines)


def heading(whatif: WhatIf) -> str:
    return (f"假设分析 what-if {whatif.first} .. {whatif.last}, {len(whatif.seeds)} seeds"
            f" ({whatif.seconds:.1f} s)")
