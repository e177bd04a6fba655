"""B11: one stray key never changes the record. Every single-key action that writes it
(arrival and queue number, start, end, no-show, cancel, release) first shows what it will
record, for which booking, and waits: Enter confirms, Esc cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from kiosk.i18n import Language, label
from kiosk.screens.dialogs import Details, Dialog


class RecordDialog(Dialog[bool]):
    """"Record this?" for one action: True on Enter (or the Confirm button), None on Esc.

    `record` says what will be written, in the screen's language; `details` which booking
    (people, room, time), so the officer sees it is the right one before confirming."""

    HINT_KEY = "record.hint"
    BINDINGS = [Binding("enter", "confirm", "确认", id="dialog.confirm", show=False)]

    def __init__(self, title_key: str, record: Details, details: Details | None = None
                 ) -> None:
        super().__init__()
        self.TITLE_KEY = title_key
        self.record = record
        self.details = details

    def body(self) -> ComposeResult:
        yield Static(id="record-what", classes="record-what", markup=False)
        yield Static(id="dialog-details", classes="dialog-details", markup=False)

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        self.query_one("#record-what", Static).update(
            f"{label('record.will_record', language)}{self.record(language)}")
        details = self.query_one("#dialog-details", Static)
        details.display = self.details is not None
        if self.details is not None:
            details.update(self.details(language))

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()  # Enter on it confirms; Tab reaches Cancel

    def confirm(self) -> None:
        self.dismiss(True)
