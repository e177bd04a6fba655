"""T3/S3: the lobby's wall board, on its own: `kiosk board` (and `kiosk serve` at /board).

Read only and made for a screen in the lawyers' waiting hall: no sign-in, no keys that change
anything; large numbers called and waiting with an estimated wait, today's date and the
centre's name, both languages at once, each number's detainee masked (张*三, S3). It reads the
queue again every few seconds; a number newly called is highlighted (and the terminal bell
rung) for a while.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

import click
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Static

from booking.lobby import LobbyBoard, lobby_board
from kiosk.components.header import WEEKDAYS
from kiosk.i18n import label

if TYPE_CHECKING:
    from sqlite_utils import Database

    from booking.clock import Clock
    from booking.queue import BoardEntry
    from booking.settings import Settings
    from kiosk.cli import Context

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0     # desks call numbers in other processes: read the queue this often
HIGHLIGHT_SECONDS = 15.0  # a number newly called stands out this long
EARLIER_SHOWN = 5         # numbers called before the latest, shown under it


def both(key: str, **values: object) -> str:
    """A label in Chinese, then English: the wall is read by everyone at once."""
    return f"{label(key, 'zh').format(**values)}  {label(key, 'en').format(**values)}"


def wait_text(entry: BoardEntry) -> str:
    if not entry.wait_minutes:
        return both("board.soon")
    return both("board.minutes", n=entry.wait_minutes)


class WallBoardScreen(Screen):
    """The now-serving board for the waiting hall; nothing on it can be changed."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: LobbyBoard | None = None
        self.latest: str | None = None
        """The number called last, as last shown (a change is a new call: highlight)."""
        self.looked = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="lobby-header"):
            yield Static(self.app.settings.centre.name, id="lobby-centre", markup=False)
            yield Static(both("lobby.title"), id="lobby-title", markup=False)
            yield Static(id="lobby-date", markup=False)
        with Horizontal(id="lobby-body"):
            with Vertical(id="lobby-now"):
                yield Static(both("board.called"), classes="lobby-caption", markup=False)
                yield Digits("", id="lobby-now-number")
                yield Static(id="lobby-now-room", markup=False)
                yield Static(both("lobby.earlier"), classes="lobby-caption", markup=False)
                yield Static(id="lobby-earlier", markup=False)
            with Vertical(id="lobby-waiting"):
                yield Static(id="lobby-waiting-caption", classes="lobby-caption", markup=False)
                yield Static(id="lobby-waiting-list", markup=False)
        yield Static(id="lobby-footer", markup=False)

    def on_mount(self) -> None:
        self.refresh_board()
        self.set_interval(REFRESH_SECONDS, self.refresh_board)

    def refresh_board(self) -> None:
        app = self.app
        try:
            latest = lobby_board(app.db, app.clock,
                                 default_minutes=app.settings.meetings.default_length)
        except sqlite3.Error:
            log.exception("the lobby board could not read the queue")
            self.query_one("#lobby-footer", Static).update(both("lobby.unreadable"))
            return
        self.shown = latest
        self._show(latest)

    def _show(self, shown: LobbyBoard) -> None:
        app = self.app
        now = app.clock.now().astimezone(app.settings.zone)
        day = f"{now:%Y-%m-%d} {WEEKDAYS['zh'][now.weekday()]} {WEEKDAYS['en'][now.weekday()]}"
        self.query_one("#lobby-date", Static).update(f"{day}  {now:%H:%M}")
        board = shown.board
        called = board.called
        now_number = self.query_one("#lobby-now-number", Digits)
        room = self.query_one("#lobby-now-room", Static)
        if called:
            first = called[0]
            now_number.update(first.label)
            room.update(Text.assemble(
                (both("lobby.called_now", label=first.label, room=first.room_name), "bold"),
                "   ", shown.masked.get(first.label, "")))
        else:
            now_number.update("")
            room.update(both("lobby.nobody_called"))
        earlier = Text()
        for entry in called[1:1 + EARLIER_SHOWN]:
            earlier.append(f"{entry.label}", style="bold")
            earlier.append(f"  {entry.room_name}  {shown.masked.get(entry.label, '')}  "
                           f"{entry.called_at.astimezone(app.settings.zone):%H:%M}\n")
        self.query_one("#lobby-earlier", Static).update(earlier)
        waiting = Text()
        for entry in board.waiting:
            waiting.append(f"{entry.label}", style="bold")
            if entry.priority:
                waiting.append(f" {label('board.priority', 'zh')}", style="yellow")
            waiting.append(f"  {shown.masked.get(entry.label, '')}  {entry.room_name}  "
                           f"{wait_text(entry)}\n")
        self.query_one("#lobby-waiting-list", Static).update(
            waiting if board.waiting else Text(both("lobby.nobody_waiting")))
        self.query_one("#lobby-waiting-caption", Static).update(
            f"{both('board.waiting')} ({len(board.waiting)})")
        self.query_one("#lobby-footer", Static).update(
            both("lobby.typical", n=board.typical_minutes))
        self._highlight(called[0].label if called else None)

    def _highlight(self, latest: str | None) -> None:
        """T3: a number newly called stands out (and the bell rings); the one already called
        when the board starts does not."""
        if self.looked and latest is not None and latest != self.latest:
            panel = self.query_one("#lobby-now")
            panel.add_class("-called")
            self.app.bell()
            self.set_timer(HIGHLIGHT_SECONDS, lambda: panel.remove_class("-called"))
        self.latest = latest
        self.looked = True


class BoardApp(App):
    """The wall board as an app of its own: no sign-in, no actions."""

    CSS_PATH = "lobby.tcss"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        super().__init__()
        self.settings = settings
        self.db = db
        self.clock = clock
        self.title = settings.centre.name

    def get_default_screen(self) -> Screen:
        return WallBoardScreen()


@click.command("board")
@click.pass_obj
def board_command(c: Context) -> None:
    """叫号大屏 the lobby's now-serving board (read only, no sign-in; Ctrl+Q ends it)."""
    BoardApp(c.settings, c.db, c.clock).run()
