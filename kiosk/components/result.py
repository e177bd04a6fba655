"""The outcome of a document check: a summary line and one row per rule applied."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from booking.models import Check, Verification
from booking.verification import DOCUMENTS
from kiosk.i18n import Language, label

ICONS = {"passed": ("✔", "green"), "failed": ("✘", "bold red"), "not_checked": ("–", "dim")}
FIXED_COLUMNS = (("result.status", 6), ("result.rule", 4), ("result.document", 20))


def summary(verification: Verification, zone: tzinfo, language: Language) -> str:
    """The top line: request and deadline, or the refusal and the rules that failed."""
    zh = language == "zh"
    opening, comma, semicolon, closing = ("（", "，", "；", "）") if zh else (" (", ", ", "; ", ")")
    request = verification.request
    if request is not None:
        head = label("result.reused" if verification.reused_request else "result.passed", language)
        if request.deadline is None:
            when = label("result.awaiting_permission", language)
        else:
            deadline = request.deadline.astimezone(zone)
            when = f"{label('result.deadline', language)} {deadline:%Y-%m-%d %H:%M}"
        return (f"✔ {head}{opening}{label('result.request', language)} #{request.id}"
                f"{comma}{when}{closing}")
    rules = ("、" if zh else ", ").join(c.rule for c in verification.failures)
    return (f"✘ {label('result.refused', language)}{opening}{label('result.refusal', language)}"
            f" #{verification.refusal_id}{semicolon}{label('result.failed_rules', language)}"
            f"{'：' if zh else ': '}{rules}{closing}")


def _document(check: Check, language: Language) -> str:
    zh, en = DOCUMENTS.get(check.document, (check.document, check.document))
    return zh if language == "zh" else en


class ResultPanel(Vertical):
    """Shows one Verification; re-renders when the language changes."""

    def __init__(self, zone: tzinfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self.verification: Verification | None = None
        self._language: Language = "zh"
        self._summary = Static(id="result-summary", markup=False)
        self._checks = DataTable(id="result-checks", cursor_type="row", zebra_stripes=True)

    def compose(self) -> ComposeResult:
        yield self._summary
        yield self._checks

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)

    def on_resize(self) -> None:
        self._render_result()

    def show(self, verification: Verification | None) -> None:
        self.verification = verification
        self._render_result()

    @property
    def summary_text(self) -> str:
        if self.verification is None:
            return ""
        return summary(self.verification, self.zone, self._language)

    def _set_language(self, language: Language) -> None:
        self._language = language
        self._render_result()

    def _render_result(self) -> None:
        verification = self.verification
        self.display = verification is not None
        if verification is None:
            return
        language = self._language
        head = self._summary
        head.update(self.summary_text)
        head.set_class(verification.passed, "-passed")
        head.set_class(not verification.passed, "-refused")
        table = self._checks
        table.clear(columns=True)
        fixed = sum(width + 2 for _, width in FIXED_COLUMNS)
        reason_width = max(30, self.size.width - fixed - 4)
        for key, width in FIXED_COLUMNS:
            table.add_column(label(key, language), width=width)
        table.add_column(label("result.reason", language), width=reason_width)
        for check in verification.checks:
            icon, style = ICONS[check.status]
            table.add_row(
                Text(icon, style=style),
                Text(check.rule, style=style if check.status == "failed" else ""),
                _document(check, language),
                Text(check.zh if language == "zh" else check.en),
                height=None,
            )
