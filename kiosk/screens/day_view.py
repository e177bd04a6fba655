"""B2/B4 at a glance: one date's rooms x half-hours, with its opening sessions and bookings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from booking.calendar import REASONS, DayHours
from booking.desk_queries import DayBooking, Room
from kiosk.components.bilingual import labelled, room_name, translate
from kiosk.components.booking_text import state_name
from kiosk.components.footer import KioskFooter
from kiosk.components.header import WEEKDAYS, KioskHeader
from kiosk.components.notice import Notice
from kiosk.i18n import Language, label
from kiosk.screens.dialogs import DutySessionDialog, regular_hours

ROW_MINUTES = 30
ORDINARY_DAYS = ("weekday", "saturday", "sunday")
USUAL_DAY = (time(8, 0), time(17, 0))  # shown when the date has no sessions or bookings
STATE_STYLES = {"booked": "bold yellow", "arrived": "bold cyan", "in_progress": "bold green",
                "done": "dim"}


class DayViewScreen(Screen):
    """PageUp / PageDown move a day; Enter on a booking opens its meeting desk."""

    BINDINGS = [
        Binding("escape", "back", "返回", id="key.back"),
        Binding("pageup", "move(-1)", "前一天", id="key.prev_day", priority=True),
        Binding("pagedown", "move(1)", "后一天", id="key.next_day", priority=True),
        Binding("home", "today", "今天", id="key.today", priority=True),
        Binding("ctrl+d", "add_duty", "增加值班", id="key.duty", priority=True),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self._day = day
        self.cells: dict[tuple[int, int], int] = {}  # (row, column) -> booking id

    @property
    def day(self) -> date:
        if self._day is None:
            self._day = self.app.clock.now().astimezone(self.app.settings.zone).date()
        return self._day

    def compose(self) -> ComposeResult:
        yield KioskHeader("day.title")
        with Vertical(id="day-body"):
            yield Static(id="day-summary", markup=False)
            yield DataTable(id="day-grid", cursor_type="cell", zebra_stripes=False)
            yield labelled(Static(classes="hint"), "day.hint")
            yield Notice(id="day-message")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self._show(self.app.language)

    @property
    def notice(self) -> Notice:
        return self.query_one("#day-message", Notice)

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show(language)

    # -- keys

    def action_move(self, days: int) -> None:
        self._day = self.day + timedelta(days=days)
        self.notice.clear()
        self._show(self.app.language)

    def action_today(self) -> None:
        self._day = None
        self._show(self.app.language)

    def action_back(self) -> None:
        self.app.go_home()

    def action_add_duty(self) -> None:
        def added(entry) -> None:
            if entry is not None:
                self._day = entry.day
                self._show(self.app.language)
            self.query_one("#day-grid", DataTable).focus()

        self.app.push_screen(
            DutySessionDialog(self.day, regular_hours(self.app.settings.hours, self.day)), added)

    @on(DataTable.CellSelected)
    def _open(self, event: DataTable.CellSelected) -> None:
        booking_id = self.cells.get((event.coordinate.row, event.coordinate.column))
        if booking_id is not None:
            from kiosk.screens.meeting import MeetingScreen

            self.app.push_screen(MeetingScreen(booking_id))

    # -- the grid

    def _show(self, language: Language) -> None:
        desk = self.app.desk
        with self.notice.refusals() as outcome:
            hours = desk.hours(self.day)
            bookings = desk.day_bookings(self.day)
        if outcome.refused:
            return
        self.query_one("#day-summary", Static).update(self._summary(hours, language))
        self._render_grid(hours, desk.rooms(), bookings, language)

    def _summary(self, hours: DayHours, language: Language) -> str:
        """'2026-10-01 周四 · 法定节假日 国庆节 · 不开放': why the day is as it is, when it
        is not an ordinary day of the week."""
        parts = [f"{self.day:%Y-%m-%d} {WEEKDAYS[language][self.day.weekday()]}"]
        if hours.reason not in ORDINARY_DAYS or hours.name:
            reason = REASONS[hours.reason][0 if language == "zh" else 1]
            parts.append(f"{reason} {hours.name}".strip())
        if hours.is_open:
            sessions = " ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in hours.sessions)
            parts.append(f"{label('day.sessions', language)} {sessions}")
        elif hours.reason not in ("sunday_closed", "closed"):  # those say it already
            parts.append(label("day.closed", language))
        if not hours.official:
            parts.append(f"⚠ {label('day.not_official', language)}")
        return " · ".join(parts)

    def _render_grid(self, hours: DayHours, centre_rooms: list[Room],
                     bookings: list[DayBooking], language: Language) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        self.cells = {}
        table.add_column(label("day.time", language), width=6)
        width = max(8, (self.app.size.width - 14) // max(1, len(centre_rooms)) - 2)
        for room in centre_rooms:
            # the name and id; on a narrow desk terminal the name or, narrower, the id alone
            name = room_name(self.app.settings, room.name, language)
            heading = next(text for text in (f"{name} {room.id}", name, room.id)
                           if cell_len(text) <= width or text == room.id)
            table.add_column(heading, width=width)
        for row, slot in enumerate(self._slots(hours, bookings)):
            end = slot + timedelta(minutes=ROW_MINUTES)
            is_open = hours.holds(slot, end)
            cells: list[Text] = [Text(f"{slot:%H:%M}", style="" if is_open else "dim")]
            for column, room in enumerate(centre_rooms, start=1):
                booking = next((b for b in bookings if b.room_id == room.id
                                and b.start < end and slot < b.end), None)
                if booking is not None:
                    self.cells[(row, column)] = booking.id
                    cells.append(Text(f"{booking.lawyer} {state_name(booking.state, language)}",
                                      style=STATE_STYLES.get(booking.state, "")))
                else:
                    cells.append(Text("" if is_open else "·", style="dim"))
            table.add_row(*cells)
        if table.row_count:
            table.move_cursor(row=min(cursor.row, table.row_count - 1),
                              column=min(max(cursor.column, 1), len(centre_rooms)))

    def _slots(self, hours: DayHours, bookings: list[DayBooking]) -> list[datetime]:
        zone = self.app.settings.zone
        starts = [a for a, _ in hours.sessions] + [b.start.astimezone(zone) for b in bookings]
        ends = [b for _, b in hours.sessions] + [b.end.astimezone(zone) for b in bookings]
        first = min(starts, default=datetime.combine(self.day, USUAL_DAY[0], zone))
        last = max(ends, default=datetime.combine(self.day, USUAL_DAY[1], zone))
        day_start = datetime.combine(self.day, time(0), zone)
        first = max(first, day_start)
        last = min(last, day_start + timedelta(days=1))
        step = timedelta(minutes=ROW_MINUTES)
        slot = day_start + ((first - day_start) // step) * step
        slots = []
        while slot < last:
            slots.append(slot)
            slot += step
        return slots
