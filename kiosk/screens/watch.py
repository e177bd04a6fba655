"""C5 and P2: every open request against its deadline, most urgent first, counting down."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from booking.watch import RED_UNDER, WatchItem, format_left, watch_list
from kiosk.components.bilingual import labelled, translate
from kiosk.components.header import KioskHeader, local_time
from kiosk.components.notice import Notice, attempt
from kiosk.i18n import Language, label
from kiosk.screens.offers import open_request

# The deadline, the time left and the status come first after who: on a narrow desk
# terminal (80x24) the columns cut off at the right are the detainee and the booking.
COLUMNS = (("request", "watch.request", 4), ("lawyer", "watch.lawyer", 8),
           ("due", "watch.due", 22), ("left", "watch.left", 6), ("status", "watch.status", 14),
           ("detainee", "watch.detainee", 14), ("booking", "watch.booking", 24))
RELOAD_SECONDS = 30  # the list is read again this often; the countdown ticks every second


class WatchScreen(Screen):
    """The watch list; Enter opens a request's next step (permission, offers, meeting)."""

    BINDINGS = [
        Binding("escape", "back", "返回", id="key.back"),
        Binding("ctrl+r", "reload", "刷新", id="key.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[WatchItem] = []

    def compose(self) -> ComposeResult:
        yield KioskHeader("watch.title")
        with Vertical(id="watch-body"):
            yield Static(id="watch-summary", markup=False)
            yield DataTable(id="watch-table", cursor_type="row", zebra_stripes=True)
            yield labelled(Static(classes="hint"), "watch.hint")
            yield Notice(id="watch-message")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)
        self.set_interval(1, self._tick)
        self.set_interval(RELOAD_SECONDS, self.action_reload)
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        # Back from a request's offers or meeting desk: its line has changed.
        self.action_reload()

    @property
    def notice(self) -> Notice:
        return self.query_one("#watch-message", Notice)

    def action_reload(self) -> None:
        app = self.app
        items = attempt(self.notice, watch_list, app.db, app.clock)
        if items is not None:
            self.items = items
        self._show(app.language)

    def action_back(self) -> None:
        self.app.go_home()

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show(language)

    # -- the table

    def _show(self, language: Language) -> None:
        table = self.query_one(DataTable)
        selected = self._selected_request()
        table.clear(columns=True)
        for key, label_key, width in COLUMNS:
            table.add_column(label(label_key, language), key=key, width=width)
        now = self.app.clock.now()
        for item in self.items:
            table.add_row(*self._cells(item, now, language), key=str(item.request_id))
        if selected is not None and str(selected) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected)))
        self._render_summary(now, language)

    def _tick(self) -> None:
        """Count down from the app's clock without reading the database."""
        table = self.query_one(DataTable)
        now, language = self.app.clock.now(), self.app.language
        for item in self.items:
            for (column, _, _), cell in zip(COLUMNS, self._cells(item, now, language),
                                            strict=True):
                table.update_cell(str(item.request_id), column, cell)
        self._render_summary(now, language)

    def _selected_request(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value else None

    def _cells(self, item: WatchItem, now: datetime, language: Language) -> list[Text]:
        zone = self.app.settings.zone
        left = item.due - now
        red = left < RED_UNDER
        at_risk = item.kind == "deadline" and item.booking_id is None and red
        style = "bold red" if red else ""
        if item.kind == "permission":
            booked = "—"
            status = Text(label("watch.awaiting_permission", language), style="bold yellow")
        else:
            booked = (f"{item.room_id} {local_time(item.booked_start.astimezone(zone), language)}"
                      if item.booked_start else label("watch.unbooked", language))
            status = Text(label("watch.booked", language) if item.booking_id else "")
        if left.total_seconds() < 0:
            status = Text(f"✘ {label('watch.overdue', language)}", style="bold white on red")
        elif at_risk:
            status = Text(f"⚠ {label('watch.at_risk', language)}", style="bold white on red")
        cells = {"request": Text(f"#{item.request_id}", style=style),
                 "lawyer": Text(item.lawyer, style=style),
                 "due": Text(local_time(item.due.astimezone(zone), language), style=style),
                 "left": Text(format_left(left), style=style), "status": status,
                 "detainee": Text(f"{item.detainee} {item.roster_no}", style=style),
                 "booking": Text(booked, style=style)}
        return [cells[key] for key, _, _ in COLUMNS]

    def _render_summary(self, now: datetime, language: Language) -> None:
        summary = self.query_one("#watch-summary", Static)
        if not self.items:
            summary.update(label("watch.empty", language))
            return
        deadline = [i for i in self.items if i.kind == "deadline"]
        at_risk = [i for i in deadline if i.booking_id is None and i.due - now < RED_UNDER]
        red = [i for i in self.items if i.due - now < RED_UNDER]
        permission = len(self.items) - len(deadline)
        sep = "，" if language == "zh" else ", "
        summary.update(sep.join([
            f"{label('watch.open', language)} {len(deadline)}",
            f"{label('watch.under_12h', language)} {len(red)}",
            f"{label('watch.at_risk', language)} {len(at_risk)}",
            f"{label('watch.awaiting_permission', language)} {permission}"]))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.notice.clear()
            open_request(self.app, self.notice, int(event.row_key.value))
