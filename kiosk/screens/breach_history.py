"""R1: what happened to one breached request, as the warden reads it from the report (Enter
on a breach): its audit entries and those of its bookings, in the screen's language."""

from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from booking.report import Breach
from kiosk.components.bilingual import labelled, translate
from kiosk.i18n import Language, label
from kiosk.report_export import local

HISTORY_COLUMNS = (("report.at", 16), ("report.actor", 8), ("report.action", 16),
                   ("report.subject", 11))
# What the audit log's actions on a request and its bookings mean to a warden.
ACTIONS: dict[str, tuple[str, str]] = {
    "open_request": ("登记申请", "request opened"),
    "permission_granted": ("侦查机关许可", "permission granted"),
    "permission_denied": ("侦查机关不许可", "permission denied"),
    "book": ("预约", "booked"),
    "issue_ticket": ("取号", "ticket issued"),
    "call_ticket": ("叫号", "ticket called"),
    "arrive": ("律师签到", "lawyer arrived"),
    "release_late": ("迟到，释放时段", "late: slot released"),
    "start_meeting": ("会见开始", "meeting started"),
    "end_meeting": ("会见结束", "meeting ended"),
    "no_show": ("律师未到", "no-show"),
    "cancelled": ("律师撤回", "cancelled"),
    "cancel_request": ("撤回申请", "request withdrawn"),
}


class BreachHistory(ModalScreen[None]):
    """What happened to one request: its audit entries and those of its bookings."""

    BINDINGS = [Binding("escape", "dismiss", "关闭", id="report.close")]

    def __init__(self, request_id: int, entries, breach: Breach | None = None) -> None:
        super().__init__()
        self.request_id = request_id
        self.entries = entries
        self.breach = breach

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box"):
            yield Static(id="history-title", markup=False)
            yield Static(id="history-happened", markup=False)
            yield DataTable(id="history-entries", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="history-buttons"):
                yield labelled(Button(id="history-close", compact=True, variant="primary"),
                               "report.close")

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)
        self.query_one("#history-entries", DataTable).focus()

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self.query_one("#history-title", Static).update(
            f"{label('report.history', language)} #{self.request_id}"
            f"  ({len(self.entries)})")
        self.query_one("#history-happened", Static).update(
            self.breach.account if self.breach is not None else "")
        table = self.query_one("#history-entries", DataTable)
        table.clear(columns=True)
        for key, width in HISTORY_COLUMNS:
            table.add_column(label(key, language), key=key, width=width)
        fixed = sum(width + 2 for _, width in HISTORY_COLUMNS)
        table.add_column(label("report.detail", language), key="report.detail",
                         width=max(20, table.size.width - fixed - 3))
        for entry in self.entries:
            zh, en = ACTIONS.get(entry.action, (entry.action, entry.action))
            table.add_row(local(entry.at), entry.actor, zh if language == "zh" else en,
                          entry.subject, Text(_detail(entry.detail)), key=str(entry.id),
                          height=None)

    def on_resize(self) -> None:
        self._set_language(self.app.language)

    @on(Button.Pressed, "#history-close")
    def _close(self) -> None:
        self.dismiss()


def _detail(text: str) -> str:
    """The audit entry's JSON detail as 'key: value' pairs."""
    try:
        detail = json.loads(text)
    except ValueError:
        return text
    if not isinstance(detail, dict):
        return text
    return "; ".join(f"{key}: {value}" for key, value in detail.items())
