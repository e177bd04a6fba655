"""R3: the one-page summary of the compliance report for the ticket printer: the rate, every
figure on one line each, the refusals by rule and the worst breaches."""

from __future__ import annotations

from datetime import datetime

from booking.permission import DECISION_HOURS
from booking.report import FIGURES, ComplianceReport

from .documents import COLUMNS, Document, _Sheet, display_width, when

SHOWN_BREACHES = 5


def _moment(text: str | None) -> str:
    return text[5:16].replace("T", " ") if text else "未开始"


def _number(report: ComplianceReport, key: str) -> str:
    value = getattr(report, key)
    if isinstance(value, dict):  # the closed requests: their sum (by kind below)
        return str(sum(value.values()))
    if isinstance(value, list):
        return str(len(value))
    if value is None:
        return "—"
    if key == "compliance_rate":
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _pair(sheet: _Sheet, label: str, value: str) -> None:
    """A label on the left and its value flush right, on one line when they fit."""
    gap = sheet.columns - display_width(label) - display_width(value)
    if gap >= 1:
        sheet.line(label + " " * gap + value)
    else:
        sheet.line(label)
        sheet.line(value, "right")


def report_summary(report: ComplianceReport, centre: str, paper_mm: int,
                   printed_at: datetime, audit_anchor: str = "") -> Document:
    """The summary slip; the full lists are in the HTML report. audit_anchor (S2): the audit
    log's head in short form, kept on paper outside the database."""
    sheet = _Sheet("report", COLUMNS[paper_mm])
    sheet.heading(centre, "律师会见48小时合规报表", "48-hour compliance report")
    sheet.line(f"统计期间：{report.period_from} 至 {report.period_to}")
    sheet.line(f"状态截至：{report.made_at[:16].replace('T', ' ')}")
    sheet.rule()
    sheet.line("48小时达标率 Compliance rate", "center")
    sheet.line(_number(report, "compliance_rate"), "center", large=True)
    sheet.line(f"按时 {report.met} / 已到期 {report.met + report.breached}", "center")
    sheet.rule()
    for key, (zh, _en) in FIGURES.items():
        if key != "compliance_rate":
            _pair(sheet, zh, _number(report, key))
    if report.refused_by_rule:
        sheet.line("未通过规则：" + "、".join(f"{rule} {count}"
                                         for rule, count in report.refused_by_rule.items()))
    for key, zh, _en, count in report.breakdown():  # R1/R2: by reason, closed by kind
        if count:
            _pair(sheet, ("超期·" if key.startswith("breaches") else "结束·") + zh, str(count))
    if report.permission_cases:  # P2: decided late, or still awaited past the three days
        _pair(sheet, f"许可·超过{DECISION_HOURS}小时", str(report.permission_overdue))
    sheet.rule()
    worst = sorted(report.breaches, key=lambda b: b.hours_late, reverse=True)[:SHOWN_BREACHES]
    sheet.line(f"超过48小时 Breaches：{report.breached}", bold=True)
    for breach in worst:
        sheet.line(f"#{breach.request_id} 期限{_moment(breach.deadline)}"
                   f" 开始{_moment(breach.started)} 超{breach.hours_late:.1f}小时")
        if breach.zh:  # what happened: booked when and where, started late, never booked
            sheet.line(f"  {breach.zh}")
    if report.breached > len(worst):
        sheet.line(f"另有{report.breached - len(worst)}项，详见HTML报表"
                   f" ({report.breached - len(worst)} more in the HTML report)")
    sheet.feed()
    if audit_anchor:
        sheet.line(f"审计锚点 audit anchor：{audit_anchor}")
    sheet.line(f"打印时间：{when(printed_at)}", "right")
    return sheet.document()
