"""The compliance report as files and text (R3): a bilingual text table, CSV, JSON and a
self-contained printable HTML page with charts. Pure functions of a ComplianceReport."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from booking.permission import DECISION_HOURS
from booking.report import (
    BREACH_REASON_NAMES,
    FIGURES,
    ComplianceReport,
    DayFigures,
)

Format = Literal["table", "csv", "json", "html"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json", "html")
SUFFIX: dict[Format, str] = {"table": "txt", "csv": "csv", "json": "json", "html": "html"}
DEFAULT_DAYS = 7  # the period when none is given: the last 7 days up to today

# The first failed rule of a refusal (V9), as the warden reads it.
RULES: dict[str, tuple[str, str]] = {
    "V1": ("三份材料不全", "the three documents"),
    "V2": ("执业证号无效", "certificate number"),
    "V3": ("律所代码或身份证号无效", "firm code or ID number"),
    "V4": ("律师名册（停止执业、吊销或未登记）", "lawyer registry (suspended, revoked, unknown)"),
    "V5": ("律师事务所证明不符", "law-firm letter"),
    "V6": ("委托书或辩护人已满两名", "power of attorney, or two defenders already"),
    "V7": ("法律援助公函无效", "legal-aid letter"),
    "V8": ("在押人员不在本所", "detainee not held here"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "granted": ("许可", "granted"),
    "denied": ("不许可", "denied"),
    "awaiting": ("待决定", "awaiting"),
}
NONE = "—"


# --- values ---------------------------------------------------------------------------------

def figure_value(report: ComplianceReport, key: str) -> int | float | None:
    """A figure of FIGURES as a number (the permission cases as their count, the closed
    requests as their sum)."""
    value = getattr(report, key)
    if isinstance(value, dict):
        return sum(value.values())
    return len(value) if isinstance(value, list) else value


def reason_name(code: str, language: str) -> str:
    zh, en = BREACH_REASON_NAMES.get(code, (code, code))
    return zh if language == "zh" else en


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else NONE


def shown_value(report: ComplianceReport, key: str) -> str:
    """A figure as people read it: the rate in %, hours with two decimals, counts with the
    share they stand for where R1 asks for one."""
    value = figure_value(report, key)
    if value is None:
        return NONE
    if key == "compliance_rate":
        return f"{value:.1%}"
    if key in ("median_hours", "p90_hours"):
        return hours(value)
    if key == "immediate":
        return f"{value} ({percent(value, report.verified)})"
    if key == "met":  # its share is the compliance rate, shown as rounded there
        return f"{value} ({shown_value(report, 'compliance_rate')})"
    return str(value)


def hours(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def local(moment: str | None) -> str:
    """'2026-03-05T08:40:00+08:00' -> '2026-03-05 08:40' (stored in the centre's zone)."""
    return moment[:16].replace("T", " ") if moment else NONE


def rule_name(rule: str, language: str = "zh") -> str:
    zh, en = RULES.get(rule, (rule, rule))
    return zh if language == "zh" else en


def every_day(report: ComplianceReport) -> list[DayFigures]:
    """The daily figures with the days without any activity filled in as zeros."""
    known = {d.day: d for d in report.daily}
    first, last = date.fromisoformat(report.period_from), date.fromisoformat(report.period_to)
    days = []
    for n in range((last - first).days + 1):
        day = (first + timedelta(days=n)).isoformat()
        days.append(known.get(day) or DayFigures(day=day, presented=0, met=0, breached=0,
                                                 meetings=0))
    return days


@dataclass(frozen=True)
class Title:
    """The heading every output carries."""

    centre: str
    zh: str = "律师会见48小时合规报表"
    en: str = "Lawyers' meetings: 48-hour compliance report"

    def period(self, report: ComplianceReport) -> str:
        return (f"统计期间 Period {report.period_from} – {report.period_to}"
                f"（按提交材料日期 by the day documents were presented）")

    @staticmethod
    def made(report: ComplianceReport) -> str:
        return f"生成时间 Made {local(report.made_at)}（各申请状态以此刻为准 states as of then）"


# --- JSON -----------------------------------------------------------------------------------

def to_json(report: ComplianceReport, centre: str = "", code: str = "") -> str:
    """The report's figures, with the centre that made them first (`kiosk city-report`
    merges the reports of many centres by it)."""
    data = {"centre": {"name": centre, "code": code}, **report.summary()}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- CSV ------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe
    (CSV injection); numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def to_csv(report: ComplianceReport) -> str:
    """Sections separated by an empty row: the figures as `figure,value` rows (with their
    names), refusals by rule, the breaches, the permission cases and the days."""
    rows: list[list[object]] = [["figure", "value", "名称", "name"]]
    rows += [["period_from", report.period_from, "统计期间起", "period from"],
             ["period_to", report.period_to, "统计期间止", "period to"],
             ["made_at", report.made_at, "生成时间", "made at"]]
    for key, (zh, en) in FIGURES.items():
        value = figure_value(report, key)
        rows.append([key, "" if value is None else value, zh, en])
    for rule, count in report.refused_by_rule.items():
        rows.append([f"refused_by_rule.{rule}", count, rule_name(rule, "zh"),
                     rule_name(rule, "en")])
    rows += [[key, count, zh, en] for key, zh, en, count in report.breakdown()]
    rows += [["as_of", report.as_of, "数据截至", "as of"]]
    rows += [[], ["breach.request_id", "deadline", "started", "hours_late", "reason",
                  "happened", "booked_for", "room", "account"]]
    rows += [[b.request_id, b.deadline, b.started or "", b.hours_late, b.reason, b.happened,
              b.booked_for or "", b.room or "", b.account] for b in report.breaches]
    rows += [[], ["permission.request_id", "presented_at", "decided_at", "decision_hours",
                  "outcome", "decision_due", "over_time"]]
    rows += [[c.request_id, c.presented_at, c.decided_at or "",
              "" if c.decision_hours is None else c.decision_hours, c.outcome, c.due,
              int(c.overdue)] for c in report.permission_cases]
    rows += [[], ["day", "presented", "met", "breached", "meetings"]]
    rows += [[d.day, d.presented, d.met, d.breached, d.meetings] for d in report.daily]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()


# --- text table -----------------------------------------------------------------------------

def to_table(report: ComplianceReport, centre: str, width: int = 110) -> str:
    """A readable bilingual text table for a terminal or a text file."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False, emoji=False, highlight=False)
    title = Title(centre)
    console.print(f"{centre}\n{title.zh}\n{title.en}\n{title.period(report)}\n"
                  f"{title.made(report)}", markup=False)

    def table(heading: str, *columns: str, numbers: tuple[int, ...] = ()) -> Table:
        t = Table(title=heading, box=box.SIMPLE_HEAD, title_justify="left")
        for n, column in enumerate(columns):
            last = n == len(columns) - 1
            t.add_column(column, justify="right" if n in numbers else "left", overflow="fold",
                         no_wrap=not last, ratio=1 if last else None)
        return t

    figures = table("\n主要数据 Figures", "项目", "Figure", "数值 Value", numbers=(2,))
    for key, (zh, en) in FIGURES.items():
        figures.add_row(zh, en, shown_value(report, key))
    console.print(figures)
    refusals = table("材料未通过（按规则）Refusals by rule", "规则 Rule", "说明", "Meaning",
                     "数量 Count", numbers=(3,))
    for rule, count in report.refused_by_rule.items():
        refusals.add_row(rule, rule_name(rule, "zh"), rule_name(rule, "en"), str(count))
    refusals.add_row("", "合计", "total", str(report.refused))
    console.print(refusals)
    kinds = table("超期原因与结束申请 Breaches by reason, closed requests", "项目", "Item",
                  "数量 Count", numbers=(2,))
    for _key, zh, en, count in report.breakdown():
        kinds.add_row(zh, en, str(count))
    console.print(kinds)
    breaches = table(f"超过48小时 Breaches ({report.breached})", "申请 Request",
                     "期限 Deadline", "开始 Started", "超时 Late h", "原因 Reason",
                     "经过 What happened", numbers=(3,))
    for b in report.breaches:
        breaches.add_row(f"#{b.request_id}", local(b.deadline), local(b.started),
                         f"{b.hours_late:.2f}", f"{reason_name(b.reason, 'zh')}"
                         f" {reason_name(b.reason, 'en')}", b.account)
    console.print(breaches if report.breaches else f"{breaches.title}: 无 none", markup=False)
    permission = table(f"需许可案件 Permission cases ({len(report.permission_cases)})",
                       "申请 Request", "提交 Presented", "决定 Decided", "用时 Hours",
                       "结果 Outcome", numbers=(3,))
    for c in report.permission_cases:
        zh, en = OUTCOMES[c.outcome]
        permission.add_row(f"#{c.request_id}", local(c.presented_at), local(c.decided_at),
                           NONE if c.decision_hours is None else f"{c.decision_hours:.2f}",
                           f"{zh} {en}" + (f"，超时 over {DECISION_HOURS} h" if c.overdue else ""))
    console.print(permission if report.permission_cases
                  else f"{permission.title}: 无 none", markup=False)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


# --- HTML -----------------------------------------------------------------------------------

CJK_FONTS = ('"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC",'
             ' "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif')


def _inline_svg(chart) -> str:
    """A pygal chart as an <svg> element to put in the page: no XML prolog, and without
    pygal's comments (they carry its web address) and its inline config script (the
    tooltips it configures need pygal's JavaScript from the web, left out by js=[])."""
    svg = chart.render(is_unicode=True)
    return re.sub(r"<!--.*?-->|<script\b.*?</script>", "", svg, flags=re.S)


def _chart_config(days: int):
    import pygal
    from pygal.style import Style

    style = Style(font_family=CJK_FONTS, background="white", plot_background="white",
                  foreground="#222", foreground_strong="#111", foreground_subtle="#999",
                  colors=("#1f5fa8", "#d08a1a", "#2e8b57", "#b22222"),
                  title_font_size=18, label_font_size=11, major_label_font_size=11,
                  legend_font_size=13, value_font_size=11)
    config = pygal.Config(style=style, js=[], disable_xml_declaration=True, width=900,
                          height=290, margin=12, x_label_rotation=45 if days > 10 else 0,
                          show_minor_x_labels=days <= 31, truncate_label=-1,
                          legend_at_bottom=True, legend_at_bottom_columns=2, dots_size=2,
                          print_values=False, show_y_guides=True)
    config.x_labels_major_count = min(days, 14)
    return config


def charts(report: ComplianceReport) -> dict[str, str]:
    """The daily compliance rate (line, days without decided requests left out) and the
    daily load (bars): inline SVG."""
    import pygal

    days = every_day(report)
    labels = [d.day[5:] if len(days) <= 62 else d.day for d in days]
    config = _chart_config(len(days))
    rate = pygal.Line(config, title="每日48小时达标率 Daily compliance rate (%)",
                      range=(0, 100), allow_interruptions=True, show_legend=False,
                      y_labels=list(range(0, 101, 20)),
                      value_formatter=lambda v: f"{v:.1f}%")
    rate.x_labels = labels
    rate.add("达标率 rate", [None if d.compliance_rate is None else
                             round(d.compliance_rate * 100, 1) for d in days])
    load = pygal.Bar(config, title="每日工作量 Daily load", value_formatter=lambda v: f"{v:.0f}")
    load.x_labels = labels
    load.add("提交材料 presented", [d.presented for d in days])
    load.add("会见开始 meetings started", [d.meetings for d in days])
    return {"rate": _inline_svg(rate), "load": _inline_svg(load)}


def whatif_section(whatif, comparison=None) -> dict | None:
    """The what-if's table for the HTML page (issue 16): only when one was run."""
    if whatif is None:
        return None
    from whatif.view import best_line, heading, table

    shown = table(whatif)
    return {"heading": heading(whatif), "best": best_line(whatif), "headers": shown.headers,
            "rows": shown.rows, "demand": whatif.demand.lines(),
            "backtest": comparison.rows if comparison is not None else None}


def to_html(report: ComplianceReport, centre: str, whatif=None, comparison=None) -> str:
    """One self-contained page (inline CSS and SVG) laid out for A4; with the what-if's
    section when one was run (whatif.engine.WhatIf, a back-test's comparison)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("kiosk", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = local
    from markupsafe import Markup

    figures = [(key, zh, en, shown_value(report, key)) for key, (zh, en) in FIGURES.items()]
    split = list(FIGURES).index("compliance_rate")  # the outcomes of requests end there
    figure_groups = [("申请结果", "Request outcomes", figures[:split]),
                     ("用时与会见", "Times and meetings", figures[split:])]
    svg = {name: Markup(text) for name, text in charts(report).items()}
    return env.get_template("report.html.j2").render(
        report=report, title=Title(centre), figure_groups=figure_groups, charts=svg,
        rules=[(rule, rule_name(rule, "zh"), rule_name(rule, "en"), count)
               for rule, count in report.refused_by_rule.items()],
        outcomes=OUTCOMES, fonts=Markup(CJK_FONTS), percent=percent, hours=hours,
        decision_limit=DECISION_HOURS, late_permission=report.permission_overdue,
        breakdown=report.breakdown(), reason_names=BREACH_REASON_NAMES,
        rate=shown_value(report, "compliance_rate"),
        whatif=whatif_section(whatif, comparison))


# --- one entry point for the CLI and the screen ---------------------------------------------

def render(report: ComplianceReport, fmt: Format, centre: str, code: str = "",
           whatif=None) -> str:
    """centre: the centre's name; code: its code (config centre.code), in the JSON;
    whatif: a what-if result for the HTML page, when one was run."""
    if fmt == "table":
        return to_table(report, centre)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report, centre, code)
    return to_html(report, centre, whatif)


def export_name(report: ComplianceReport, fmt: Format) -> str:
    return f"compliance-{report.period_from}_{report.period_to}.{SUFFIX[fmt]}"


def write_report(report: ComplianceReport, fmt: Format, centre: str, path: Path,
                 code: str = "", whatif=None) -> Path:
    """Write the report to path (made first into a neighbour file, so a half-written report
    never has the final name). CSV gets a BOM so spreadsheet programs read it as UTF-8."""
    text = render(report, fmt, centre, code, whatif)
    from booking.files import private_folder

    private_folder(path.parent)  # each folder made for it: owner-only (0700)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    # Owner-only (0600) from the start: the report holds names and ID numbers.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
        out.write(text)
    partial.replace(path)
    return path
