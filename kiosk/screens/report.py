"""R1-R3 on screen: the warden picks a period and reads the 48-hour compliance report (the
rate, the interrogation-room and permission checks, the breaches with what happened, the
refusals by rule and the authority's decision times), opens a breach's history, and exports
the report (CSV, HTML) or prints its summary."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Digits,
    Input,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from booking.calendar import parse_day
from booking.permission import DECISION_HOURS
from booking.report import (
    BREACH_REASON_NAMES,
    FIGURES,
    Breach,
    ComplianceReport,
)
from kiosk.components.bilingual import labelled, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice
from kiosk.components.whatif_panel import WhatIfPanel
from kiosk.i18n import Language, label
from kiosk.report_export import (
    DEFAULT_DAYS,
    NONE,
    OUTCOMES,
    Format,
    every_day,
    export_name,
    rule_name,
    shown_value,
    write_report,
)
from kiosk.screens.breach_history import BreachHistory

# The three lists under the checks, one tab each: breaches, refusals by rule (V9), the
# investigating authority's decisions (P2). Each: tab id, table id, label key.
LISTS = (("report-tab-breaches", "report-breaches", "report.breaches"),
         ("report-tab-refusals", "report-refusals", "report.refusals"),
         ("report-tab-permission", "report-permission", "report.permission"))
BREACH_COLUMNS = ("report.request", "report.deadline", "report.hours_late")
HAPPENED_WIDTH = 36  # below this the deadline column gives way to what happened
REFUSAL_COLUMNS = ("report.rule", "report.document", "report.count")
PERMISSION_COLUMNS = ("report.request", "report.presented", "report.decision_hours",
                      "report.outcome")
OK, BAD = ("✔", "bold green"), ("✘", "bold red")
def reports_folder(db) -> Path:
    """Exports go to reports/ beside the database file (var/kiosk.db -> var/reports/)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file).parent / "reports"
    return Path("var") / "reports"


class ReportScreen(Screen):
    """The warden's desk: period, figures, daily sparklines, breaches, exports."""

    BINDINGS = [
        Binding("f8", "show_report", "报表", id="key.report"),  # here F8 refreshes
        Binding("escape", "back", "返回", id="key.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ComplianceReport | None = None
        self._breach_width = -1

    def compose(self) -> ComposeResult:
        yield KioskHeader("report.title")
        with Horizontal(id="report-period"):
            yield labelled(Static(classes="report-caption"), "report.from")
            yield Input(id="report-from", restrict=r"[0-9-]*", max_length=10, compact=True,
                        classes="report-day")
            yield labelled(Static(classes="report-caption"), "report.to")
            yield Input(id="report-to", restrict=r"[0-9-]*", max_length=10, compact=True,
                        classes="report-day")
            yield labelled(Button(variant="primary", id="report-show", compact=True),
                           "report.show")
            yield labelled(Button(id="report-week", compact=True), "report.last_7")
            yield labelled(Button(id="report-month", compact=True), "report.this_month")
            yield labelled(Button(id="report-30", compact=True), "report.last_30")
        with Horizontal(id="report-body"):
            # no header row: the figures' names say what they are (R1 fits 100x30)
            yield DataTable(id="report-figures", cursor_type="none", zebra_stripes=True,
                            show_cursor=False, show_header=False)
            with Vertical(id="report-side"):
                with Horizontal(id="report-rate-box"):
                    with Vertical(id="report-rate-text"):
                        yield labelled(Static(id="report-rate-caption"), "report.rate")
                        yield Static(id="report-rate-detail", markup=False)
                    yield Digits("", id="report-rate")
                yield Static(id="report-checks")
                with Horizontal(id="report-sparks"):
                    with Vertical(classes="report-spark-box"):
                        yield Static(id="report-spark-rate-caption",
                                     classes="report-spark-caption", markup=False)
                        yield Sparkline([], id="report-spark-rate", classes="report-spark")
                    with Vertical(classes="report-spark-box"):
                        yield Static(id="report-spark-load-caption",
                                     classes="report-spark-caption", markup=False)
                        yield Sparkline([], id="report-spark-load", classes="report-spark")
                with TabbedContent(id="report-lists"):
                    for tab, table, key in LISTS:
                        with TabPane(label(key, "zh"), id=tab):
                            yield DataTable(id=table, cursor_type="row", zebra_stripes=True)
                    with TabPane(label("report.whatif", "zh"), id="report-tab-whatif"):
                        yield WhatIfPanel(id="report-whatif")
                # the exports sit under the lists, so the figures have the whole left column
                with Horizontal(id="report-exports"):
                    yield labelled(Button(id="report-csv", compact=True), "report.export_csv")
                    yield labelled(Button(id="report-html", compact=True),
                                   "report.export_html")
                    yield labelled(Button(id="report-print", compact=True), "report.print")
                yield labelled(Static(classes="hint"), "report.hint")
        yield Notice(id="report-message")
        yield KioskFooter()

    def on_mount(self) -> None:
        self._set_period(DEFAULT_DAYS)
        self.watch(self.app, "language", self._set_language)
        self.action_show_report()
        self.query_one("#report-breaches", DataTable).focus()

    # --- the period -----------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.app.clock.now().astimezone(self.app.settings.zone).date()

    def _set_period(self, days: int | None = None, first: date | None = None) -> None:
        last = self.today
        first = first or last - timedelta(days=(days or DEFAULT_DAYS) - 1)
        self.query_one("#report-from", Input).value = first.isoformat()
        self.query_one("#report-to", Input).value = last.isoformat()

    def _period(self) -> tuple[date, date] | None:
        try:
            return (parse_day(self.query_one("#report-from", Input).value),
                    parse_day(self.query_one("#report-to", Input).value))
        except ValueError:
            self.query_one(Notice).show("日期应为 YYYY-MM-DD，如 2026-11-01",
                                        "dates are YYYY-MM-DD, e.g. 2026-11-01")
            return None

    @on(Button.Pressed, "#report-week")
    def _last_week(self) -> None:
        self._set_period(DEFAULT_DAYS)
        self.action_show_report()

    @on(Button.Pressed, "#report-month")
    def _this_month(self) -> None:
        self._set_period(first=self.today.replace(day=1))
        self.action_show_report()

    @on(Button.Pressed, "#report-30")
    def _last_30_days(self) -> None:
        self._set_period(30)
        self.action_show_report()

    @on(Input.Submitted, ".report-day")
    @on(Button.Pressed, "#report-show")
    def action_show_report(self) -> None:
        """Compute the report here, on the app's thread: the database connection is the
        app's and SQLite connections stay in their thread (a year takes well under a
        second)."""
        period = self._period()
        if period is None:
            return
        app = self.app
        notice = self.query_one(Notice)
        with notice.refusals() as outcome:
            report = app.desk.compliance_report(*period)
        if outcome.refused:
            return
        notice.clear()
        self.report = report
        self._render_report()

    def action_back(self) -> None:
        self.app.go_home()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # a warden's desk is this screen: nothing to go back to
            stack = self.app.screen_stack
            return self in stack and stack.index(self) > 1
        return True

    # --- showing it -----------------------------------------------------------------------

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._render_report()

    def _render_report(self) -> None:
        report = self.report
        if report is None:
            return
        language: Language = self.app.language
        figures = self.query_one("#report-figures", DataTable)
        figures.clear(columns=True)
        figures.add_column(label("report.figure", language), key="figure")
        figures.add_column(label("report.value", language), key="value")
        compact = self.has_class("-compact")
        for key, names in FIGURES.items():
            if compact and key == "compliance_rate":
                continue  # below 36 lines the rate box alone shows it (28 figures, 27 lines)
            name = names[0] if language == "zh" else names[1]
            style = "bold" if key in ("compliance_rate", "met", "breached") else ""
            figures.add_row(Text(name, style=style),
                            Text(shown_value(report, key), style=style, justify="right"),
                            key=key)
        rate = report.compliance_rate
        self.query_one("#report-rate", Digits).update(
            "--" if rate is None else f"{rate * 100:.1f}")
        self.query_one("#report-rate-box").set_class(bool(report.breached), "-breached")
        self.query_one("#report-rate-detail", Static).update(
            f"{report.met} / {report.met + report.breached}  "
            f"{label('report.decided', language)}\n{report.period_from} – {report.period_to}")
        days = every_day(report)
        decided = [d.compliance_rate for d in days if d.compliance_rate is not None]
        self.query_one("#report-spark-rate", Sparkline).data = [r * 100 for r in decided]
        self.query_one("#report-spark-load", Sparkline).data = [d.presented for d in days]
        low = f"{min(decided):.0%}" if decided else "—"
        self.query_one("#report-spark-rate-caption", Static).update(
            f"{label('report.daily_rate', language)}, {label('report.lowest', language)}"
            f" {low}")
        busiest = max(days, key=lambda d: d.presented)
        self.query_one("#report-spark-load-caption", Static).update(
            f"{label('report.daily_load', language)}, {label('report.busiest', language)}"
            f" {busiest.day[5:]}: {busiest.presented}")
        self.query_one("#report-checks", Static).update(checks(report, language))
        lists = self.query_one("#report-lists", TabbedContent)
        counts = (report.breached, report.refused, len(report.permission_cases))
        for (tab, _table, key), count in zip(LISTS, counts, strict=True):
            lists.get_tab(tab).label = f"{label(key, language)} {count}"
        lists.get_tab("report-tab-whatif").label = label("report.whatif", language)
        self._render_breaches(report, language)
        self._render_refusals(report, language)
        self._render_permission(report, language)

    def _render_breaches(self, report: ComplianceReport, language: Language) -> None:
        """Each breach with what happened (C4: booked for when and where and not started,
        started late, released and not booked again, never booked), wrapped to the table."""
        breaches = self.query_one("#report-breaches", DataTable)
        breaches.clear(columns=True)
        rows = [(f"#{b.request_id}", short(b.deadline), f"{b.hours_late:.1f}")
                for b in report.breaches]
        widths = {key: max([cell_len(label(key, language))] + [cell_len(row[n]) for row in rows])
                  for n, key in enumerate(BREACH_COLUMNS)}
        pad = 2 * breaches.cell_padding
        # What happened takes the rest of the width (less a scroll bar) and wraps; on a
        # narrow screen the deadline goes (the history, Enter, has it).
        table_width = breaches.scrollable_content_region.width - pad - 2
        rest = table_width - sum(width + pad for width in widths.values())
        if rest < HAPPENED_WIDTH:
            rest += widths.pop("report.deadline") + pad
        for key, width in widths.items():
            breaches.add_column(label(key, language), key=key, width=width)
        breaches.add_column(label("report.happened", language), key="report.happened",
                            width=max(12, rest))
        for b, (request, deadline, hours) in zip(report.breaches, rows, strict=True):
            cells = [request, deadline] if "report.deadline" in widths else [request]
            breaches.add_row(*cells, Text(hours, style="bold red", justify="right"),
                             Text(happened(b, language)), key=str(b.request_id),
                             height=None)
        self._breach_width = breaches.scrollable_content_region.width

    def _render_refusals(self, report: ComplianceReport, language: Language) -> None:
        """V9: which rule (which document) failed how often."""
        refusals = self.query_one("#report-refusals", DataTable)
        refusals.clear(columns=True)
        for key in REFUSAL_COLUMNS:
            refusals.add_column(label(key, language), key=key)
        for rule, count in report.refused_by_rule.items():
            refusals.add_row(rule, rule_name(rule, language), Text(str(count), justify="right"),
                             key=rule)
        refusals.add_row("", Text(label("report.total", language), style="bold"),
                         Text(str(report.refused), style="bold", justify="right"), key="total")
        for key, zh, en, count in report.breakdown():  # R1/R2: breaches by reason, C7
            refusals.add_row("C4" if key.startswith("breaches") else "C7",
                             zh if language == "zh" else en,
                             Text(str(count), justify="right"), key=key)

    def _render_permission(self, report: ComplianceReport, language: Language) -> None:
        """P2: when each case was presented and how long the authority took to decide (so
        far, for an undecided case), with the outcome; red over its 72 hours."""
        table = self.query_one("#report-permission", DataTable)
        table.clear(columns=True)
        for key in PERMISSION_COLUMNS:
            table.add_column(label(key, language), key=key)
        for case in report.permission_cases:
            hours, late = case.waited_hours, case.overdue
            zh, en = OUTCOMES[case.outcome]
            so_far = "…" if case.decided_at is None else ""  # awaiting: hours so far
            table.add_row(f"#{case.request_id}", short(case.presented_at),
                          Text(NONE if hours is None else f"{hours:.1f}{so_far}",
                               justify="right", style="bold red" if late else ""),
                          Text(zh if language == "zh" else en,
                               style="bold red" if late else ""),
                          key=str(case.request_id))

    def on_resize(self) -> None:
        # Below 36 lines the margins, the figures' column heads and the rate's row (the
        # rate box shows it) go, so that the other 27 figures fit on 30 lines.
        compact = self.size.height < 36
        changed = compact != self.has_class("-compact")
        self.set_class(compact, "-compact")
        self.query_one("#report-figures", DataTable).show_header = not compact
        if changed:
            self._render_report()
        self.call_after_refresh(self._fit_breaches)

    def _fit_breaches(self) -> None:
        """The breach account wraps to the table's width, known once it is laid out."""
        width = self.query_one("#report-breaches", DataTable).scrollable_content_region.width
        if self.report is not None and width != self._breach_width:
            self._render_breaches(self.report, self.app.language)

    # --- a breach's history ---------------------------------------------------------------

    @on(DataTable.RowSelected, "#report-breaches")
    def _open_history(self, event: DataTable.RowSelected) -> None:
        request_id = int(event.row_key.value)
        breach = next((b for b in self.report.breaches if b.request_id == request_id), None) \
            if self.report is not None else None
        with self.query_one(Notice).refusals() as outcome:
            entries = self.app.desk.request_history(request_id)
        if not outcome.refused:
            self.app.push_screen(BreachHistory(request_id, entries, breach))

    # --- exports, written in worker threads -------------------------------------------------

    @on(Button.Pressed, "#report-csv")
    def export_csv(self) -> None:
        self._export("csv")

    @on(Button.Pressed, "#report-html")
    def export_html(self) -> None:
        self._export("html")

    def _export(self, fmt: Format) -> None:
        if self.report is None:
            return
        path = reports_folder(self.app.db) / export_name(self.report, fmt)
        notice = self.query_one(Notice)
        notice.show("正在导出…", "exporting…", "info")
        self._write(self.report, fmt, path, notice)

    @work(thread=True, group="report-export")
    def _write(self, report: ComplianceReport, fmt: Format, path: Path, notice: Notice) -> None:
        """The report is computed already; here only files are written (no database)."""
        try:
            centre = self.app.settings.centre
            write_report(report, fmt, centre.name, path, centre.code,
                         whatif=self.query_one(WhatIfPanel).result)
        except OSError as exc:
            self.app.call_from_thread(notice.show, f"导出失败：{path}：{exc.strerror}",
                                      f"export failed: {path}: {exc.strerror}")
            return
        self.app.call_from_thread(notice.show, f"已导出：{path}", f"exported: {path}", "info")

    @on(Button.Pressed, "#report-print")
    def print_summary(self) -> None:
        if self.report is None:
            return
        notice = self.query_one(Notice)
        notice.show("正在打印…", "printing…", "info")
        from booking import audit

        top = audit.head(self.app.db)  # S2: the head on paper, outside the database
        self._print(self.report, notice, audit.short_head(top[0], top[1]) if top else "")

    @work(thread=True, group="report-print", exclusive=True)
    def _print(self, report: ComplianceReport, notice: Notice, audit_anchor: str = "") -> None:
        from printers import PrintFault, TicketPrinter
        from printers.faults import sentence
        from printers.report_summary import report_summary

        app = self.app
        config = app.settings.printer
        document = report_summary(report, app.settings.centre.name, config.paper_mm,
                                  app.clock.now(), audit_anchor)
        try:
            job = TicketPrinter(config, app.clock).print([document])
        except PrintFault as exc:
            zh, en = exc.with_reprint()
            app.call_from_thread(notice.show, f"摘要未打印。{zh}",
                                 f"Summary not printed. {sentence(en)}")
            return
        where = ", ".join(str(f) for f in job.files[:1])
        app.call_from_thread(notice.show, f"摘要已打印 {where}",
                             f"summary printed {where}", "info")


def short(moment: str | None) -> str:
    """'2026-11-22T09:50:00+08:00' -> '11-22 09:50' (the period above gives the year)."""
    return moment[5:16].replace("T", " ") if moment else NONE


def happened(breach: Breach, language: Language) -> str:
    """What happened to a breached request, in the screen's language (Enter shows both
    languages, the reason given for the delay and the history)."""
    zh, en = BREACH_REASON_NAMES.get(breach.reason, (breach.reason, breach.reason))
    text = (breach.zh if language == "zh" else breach.en) or breach.account
    return f"[{zh if language == 'zh' else en}] {text}"


def checks(report: ComplianceReport, language: Language) -> Text:
    """Lines a warden signs off: every interrogation-room meeting had the lawyer's written
    consent and devices off (B5), every video meeting was confirmed unmonitored (B9), and the
    authority decided within 72 hours (P2)."""
    zh = language == "zh"
    rooms, consent, off = (report.interrogation_room_meetings, report.consent_recorded,
                           report.devices_off_confirmed)
    mark, style = OK if consent == off == rooms else BAD
    line = Text.assemble((mark, style), " ")
    line.append(f"讯问室会见 {rooms} 次：书面同意 {consent}/{rooms}，设备关闭 {off}/{rooms}" if zh
                else f"Interrogation room {rooms}: consent {consent}/{rooms}, devices off"
                     f" {off}/{rooms}")
    video, unmonitored = report.video_meetings, report.video_unmonitored_confirmed
    mark, style = OK if video == unmonitored else BAD  # B9
    line.append("\n")
    line.append_text(Text.assemble((mark, style), " "))
    line.append(f"视频会见 {video} 次：不录音不监听已确认 {unmonitored}/{video}" if zh
                else f"Video meetings {video}: unmonitored confirmed {unmonitored}/{video}")
    cases = report.permission_cases
    limit = DECISION_HOURS
    decided = [c.decision_hours for c in cases if c.decision_hours is not None]
    late = sum(1 for c in cases if c.overdue and c.decided_at is not None)
    awaiting = [c for c in cases if c.outcome == "awaiting"]
    overdue = sum(1 for c in awaiting if c.overdue)
    mark, style = OK if late == overdue == 0 else BAD
    line.append("\n")
    line.append_text(Text.assemble((mark, style), " "))
    longest = f"{max(decided):.1f}" if decided else NONE
    if not cases:
        line.append("侦查机关许可：无" if zh else "Permission (P2): none")
    elif zh:
        line.append(f"侦查机关许可 {len(cases)} 件（{limit}小时内决定）：已决定 {len(decided)}，"
                    f"最长 {longest} 小时，超时 {late}"
                    + (f"；待决定 {len(awaiting)}，已超时 {overdue}" if awaiting else ""))
    else:
        line.append(f"Permission {len(cases)} (decide within {limit} h): {len(decided)}"
                    f" decided, longest {longest} h, {late} late"
                    + (f"; {len(awaiting)} awaiting, {overdue} overdue" if awaiting else ""))
    return line
