"""T3/B8: the now-serving board: numbers called (latest first) and numbers waiting in calling
order with an estimated wait; N calls the next number. Numbers and rooms only (S3)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Static

from booking.queue import Board, BoardEntry
from kiosk.components.bilingual import labelled, room_name, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice
from kiosk.i18n import Language, label

REFRESH_SECONDS = 5  # other kiosks call numbers and meetings end: read the queue this often
CALLED_COLUMNS = (("board.number", 8), ("board.room", 16), ("board.called_at", 10))
WAITING_COLUMNS = (("board.number", 8), ("board.room", 16), ("board.wait", 16))


class BoardScreen(Screen):
    """The queue of the day, read again every few seconds."""

    BINDINGS = [
        Binding("n", "call_next", "叫下一号", id="key.call_next"),
        Binding("escape", "back", "返回", id="key.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None

    def compose(self) -> ComposeResult:
        yield KioskHeader("board.title")
        with Horizontal(id="board-body"):
            with Vertical(id="board-called"):
                yield labelled(Static(classes="board-caption"), "board.called")
                yield Digits("", id="board-now")
                yield Static(id="board-now-room", markup=False)
                yield DataTable(id="board-called-table", cursor_type="none")
            with Vertical(id="board-waiting"):
                yield Static(id="board-waiting-caption", classes="board-caption", markup=False)
                yield DataTable(id="board-waiting-table", cursor_type="none", zebra_stripes=True)
        yield Notice(id="board-message")
        yield Static(id="board-hint", classes="hint", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.can_focus = False  # the board is read, not browsed: keys go to the screen
        self.watch(self.app, "language", self._set_language)
        self.set_interval(REFRESH_SECONDS, self.refresh_board)

    def on_screen_resume(self) -> None:
        self.refresh_board()

    @property
    def _typical(self) -> int:
        """The meeting length to estimate with until meetings have been timed (T3)."""
        return self.app.settings.meetings.default_length

    @property
    def notice(self) -> Notice:
        return self.query_one("#board-message", Notice)

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show(language)

    def action_back(self) -> None:
        self.app.go_home()

    def refresh_board(self) -> None:
        with self.notice.refusals():
            self.board = self.app.desk.board(default_minutes=self._typical)
        self._show(self.app.language)

    def action_call_next(self) -> None:
        """T3/B8: call the next number (deadlines at risk first, then priority, then arrival)."""
        self.notice.clear()
        called = None
        with self.notice.refusals() as outcome:
            called = self.app.desk.call_next(default_minutes=self._typical)
        if called is None:
            if not outcome.refused:  # nobody is waiting
                self.notice.show(label("board.nobody", "zh"), label("board.nobody", "en"), "info")
            self.refresh_board()
            return
        self.refresh_board()
        room = next((e.room_name for e in self.board.called if e.label == called.label), "")
        settings = self.app.settings
        self.notice.show(
            label("board.go", "zh").format(label=called.label, room=room),
            label("board.go", "en").format(label=called.label,
                                           room=room_name(settings, room, "en")), "info")

    # -- showing it

    def _wait(self, entry: BoardEntry, language: Language) -> str:
        if not entry.wait_minutes:
            return label("board.soon", language)
        return label("board.minutes", language).format(n=entry.wait_minutes)

    @staticmethod
    def _number(entry: BoardEntry, language: Language) -> Text:
        if entry.priority:
            return Text.assemble((entry.label, "bold"), " ", (label("board.priority", language),
                                                              "yellow"))
        return Text(entry.label, style="bold")

    @staticmethod
    def _columns(table: DataTable, columns: tuple[tuple[str, int], ...],
                 language: Language) -> None:
        table.clear(columns=True)
        for key, width in columns:
            table.add_column(label(key, language), width=width)

    def _show(self, language: Language) -> None:
        shown = self.board
        if shown is None:
            return
        zone = self.app.settings.zone
        latest = shown.called[0] if shown.called else None
        self.query_one("#board-now", Digits).update(latest.label if latest else "")
        self.query_one("#board-now-room", Static).update(
            room_name(self.app.settings, latest.room_name, language) if latest else "")
        called = self.query_one("#board-called-table", DataTable)
        self._columns(called, CALLED_COLUMNS, language)
        for entry in shown.called:
            called.add_row(self._number(entry, language),
                           room_name(self.app.settings, entry.room_name, language),
                           f"{entry.called_at.astimezone(zone):%H:%M}")
        waiting = self.query_one("#board-waiting-table", DataTable)
        self._columns(waiting, WAITING_COLUMNS, language)
        for entry in shown.waiting:
            waiting.add_row(self._number(entry, language),
                            room_name(self.app.settings, entry.room_name, language),
                            self._wait(entry, language))
        caption = f"{label('board.waiting', language)} ({len(shown.waiting)})"
        self.query_one("#board-waiting-caption", Static).update(caption)
        self.query_one("#board-hint", Static).update(
            label("board.typical", language).format(n=shown.typical_minutes))
