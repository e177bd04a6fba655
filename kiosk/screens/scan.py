"""Q1-Q4, B7: a lawyer with a booking scans its QR code; the kiosk checks the lawyer in, shows
who the code belongs to for the officer to compare (Q3), and prints the queue ticket.

The scanner types the whole code and Enter into one input, so that input keeps the focus
all the time (nothing else on the screen can take it): keys typed while another widget had
the focus would be lost.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Digits, Input, Static

from booking.qr import CheckInResult
from booking.queue import Ticket
from booking.tickets import TicketData
from kiosk.components.bilingual import labelled, room_name, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice
from kiosk.i18n import Language, label
from kiosk.printing import REPRINT_KEY, PrintFinished, print_queue_ticket
from printers import PrintFault
from printers.faults import sentence

CLEAR_AFTER_SECONDS = 60  # the last lawyer's details go, ready for the next one
CODE_CHARACTERS = r"[ -~]*"  # what a scanner types: printable ASCII


class ScanScreen(Screen):
    """Scan, see the ticket, take the paper; a second scan shows the same ticket (Q4)."""

    BINDINGS = [
        Binding("f9", "reprint", "重打", id="key.reprint"),
        Binding("escape", "back", "返回", id="key.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: CheckInResult | None = None
        self.details: TicketData | None = None
        self.ticket: Ticket | None = None
        self.printing = False
        self.fault: PrintFault | None = None  # the last print fault
        self._clear_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield KioskHeader("scan.title")
        with Vertical(id="scan-body"):
            yield labelled(Static(classes="hint"), "scan.hint")
            yield labelled(Input(id="scan-code", restrict=CODE_CHARACTERS, max_length=80,
                                 classes="field"), "scan.code")
            yield Notice(id="scan-message")
            with Horizontal(id="scan-result"):
                yield Digits("", id="scan-queue")
                yield Static(id="scan-details")
            reprint_button = labelled(Button(id="scan-reprint", compact=True), "scan.reprint")
            reprint_button.can_focus = False  # a click must not take the focus from the input
            yield reprint_button
        yield KioskFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)
        self.code_input.focus()

    def on_screen_resume(self) -> None:
        self.code_input.focus()

    @property
    def code_input(self) -> Input:
        return self.query_one("#scan-code", Input)

    @property
    def notice(self) -> Notice:
        return self.query_one("#scan-message", Notice)

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show(language)

    def action_back(self) -> None:
        self.app.go_home()

    # -- a scan

    @on(Input.Submitted, "#scan-code")
    def _scanned(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        event.input.clear()
        if not code:
            return
        self.clear_result()
        app = self.app
        with self.notice.refusals() as outcome:
            result = app.desk.check_in_by_code(code)
        self._restart_clear_timer()
        if outcome.refused:  # Q2: refused, the notice says why; nothing was written
            return
        self.result = result
        self.ticket = result.ticket
        self.details = None
        with self.notice.refusals():
            self.details = app.desk.ticket_data(result.booking.id)
        if result.repeat:  # Q4: the same ticket; the officer may print it again
            self.notice.show(label("scan.repeat", "zh"), label("scan.repeat", "en"), "info")
            self._show(app.language)
        else:
            self.notice.show(label("scan.checked_in", "zh"), label("scan.checked_in", "en"),
                             "info")
            self._print()

    def action_reprint(self) -> None:
        """F9: print the shown ticket again; with nothing shown, what failed last."""
        if self.result is None:
            self.app.action_reprint()
            return
        self._print()

    @on(Button.Pressed, "#scan-reprint")
    def _reprint_pressed(self) -> None:
        self.action_reprint()

    def _print(self) -> None:
        if self.fault is not None:  # printing again: the last fault's advice is done with
            self.notice.clear()
        self.printing, self.fault = True, None
        self._show(self.app.language)
        print_queue_ticket(self.app, self.result.booking.id)

    def on_print_finished(self, message: PrintFinished) -> None:
        if self.result is None or message.booking_id != self.result.booking.id:
            return
        self.printing = False
        if message.ticket is not None:
            self.ticket = message.ticket
        if message.fault is not None:  # T4/E1: what is wrong, what to do, then F9
            self.fault = message.fault
            zh, en = message.fault.with_reprint(REPRINT_KEY)
            self.notice.show(zh, sentence(en))
        elif message.warning:
            self.notice.show(message.warning, message.warning, "info")
        self._show(self.app.language)

    # -- clearing for the next lawyer

    def _restart_clear_timer(self) -> None:
        if self._clear_timer is not None:
            self._clear_timer.stop()
        self._clear_timer = self.set_timer(CLEAR_AFTER_SECONDS, self.clear_result)

    def clear_result(self) -> None:
        self.result = self.details = self.ticket = None
        self.printing, self.fault = False, None
        self.notice.clear()
        self._show(self.app.language)
        self.code_input.focus()

    # -- showing it

    @property
    def reprint_offered(self) -> bool:
        """Q4/T4: after a repeat scan, a fault, or when the ticket never printed."""
        if self.result is None or self.printing:
            return False
        ticket = self.ticket
        return (self.result.repeat or self.fault is not None
                or ticket is None or ticket.printed_at is None or ticket.print_error is not None)

    def _print_state(self, language: Language) -> Text:
        ticket = self.ticket
        if self.printing:
            return Text(label("scan.printing", language))
        if self.fault is not None or (ticket and ticket.print_error):
            if self.fault is not None:  # the short half; the notice says what to do
                zh, en = self.fault.problem
            else:  # kept on the ticket: "problem：action / problem: action"
                zh, _, en = ticket.print_error.partition(" / ")
                zh, en = zh.partition("：")[0], en.partition(": ")[0]
            reason = zh if language == "zh" or not en else en
            return Text(label("scan.print_failed", language) + reason, style="bold red")
        if ticket and ticket.printed_at:
            printed = ticket.printed_at.astimezone(self.app.settings.zone)
            return Text(f"✔ {label('scan.printed', language)} {printed:%H:%M}", style="green")
        return Text(label("scan.not_printed", language), style="bold")

    def _show(self, language: Language) -> None:
        shown = self.result is not None
        self.query_one("#scan-result").display = shown
        self.query_one("#scan-reprint").display = self.reprint_offered
        if not shown:
            return
        result, details = self.result, self.details
        self.query_one("#scan-queue", Digits).update(result.ticket.label)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()

        def row(key: str, value: Text | str) -> None:
            grid.add_row(label(key, language), value)

        # Q3: who the code belongs to, for the officer to compare with the person
        row("scan.lawyer", Text.assemble((result.lawyer_name, "bold"), "   ",
                                         (label("scan.cert_no", language), "dim"), " ",
                                         (result.cert_no, "bold")))
        grid.add_row("", Text("▲ " + label("scan.compare", language), style="bold yellow"))
        row("scan.firm", result.firm_name)
        if details is not None:
            zone = self.app.settings.zone
            start, end = details.start.astimezone(zone), details.end.astimezone(zone)
            row("scan.detainee", f"{details.detainee_masked}（{details.roster_no}）")  # S3
            row("scan.room", room_name(self.app.settings, details.room_name, language))
            row("scan.time", f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}")
            row("scan.deadline", f"{details.deadline.astimezone(zone):%Y-%m-%d %H:%M}")
        row("scan.print", self._print_state(language))
        self.query_one("#scan-details", Static).update(grid)
