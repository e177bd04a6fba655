"""C5 and P2: every open request against its deadline, most urgent first, counting down; with
what is still to do: tell the lawyer of a permission decision (P2, Ctrl+T records the call),
hand-entered documents to confirm or contradicted (V7/V10), fast-track case deadlines (B12)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from booking.watch import RED_UNDER, WatchItem, format_left
from kiosk.components.bilingual import labelled, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader, local_time
from kiosk.components.notice import Notice
from kiosk.components.toast import say
from kiosk.i18n import Language, label
from kiosk.screens.dialogs import ConfirmDialog
from kiosk.screens.navigation import open_request

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
        Binding("ctrl+t", "told", "已电话通知", id="key.told"),
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
        yield KioskFooter()

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
        with self.notice.refusals():
            self.items = self.app.desk.watch_list()
        self._show(self.app.language)

    def action_back(self) -> None:
        self.app.go_home()

    def action_told(self) -> None:
        """P2: the officer called the lawyer about the authority's decision (audited)."""
        request_id = self._selected_request()
        item = next((i for i in self.items if i.request_id == request_id), None)
        if item is None or not item.to_notify:
            self.notice.show(label("watch.not_to_notify", "zh"), label("watch.not_to_notify", "en"))
            return
        app = self.app
        with self.notice.refusals() as outcome:
            app.desk.record_lawyer_told(item.request_id)
        if not outcome.refused:
            say(app, (f"{label('watch.told', 'zh')} #{item.request_id}",
                      f"{label('watch.told', 'en')} #{item.request_id}"))
            self.action_reload()

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
        if item.kind == "closed":  # C7: tell the lawyer; no deadline runs
            cells = {"request": Text(f"#{item.request_id}"), "lawyer": Text(item.lawyer),
                     "due": Text(local_time(item.due.astimezone(zone), language)),
                     "left": Text(""),
                     "status": Text(f"☎ {label('watch.to_notify_closed', language)}",
                                    style="bold yellow"),
                     "detainee": Text(f"{item.detainee} {item.roster_no}"), "booking": Text("—")}
            return [cells[key] for key, _, _ in COLUMNS]
        if item.kind == "permission":
            booked = "—"
            status = Text(label("watch.awaiting_permission", language), style="bold yellow")
        elif item.kind == "notify":
            booked = "—"
            status = Text(label("watch.refused", language))
        else:
            booked = (f"{item.room_id} {local_time(item.booked_start.astimezone(zone), language)}"
                      if item.booked_start else label("watch.unbooked", language))
            status = Text(label("watch.booked", language) if item.booking_id else "")
        if item.kind == "notify":
            pass  # the authority refused: nothing runs late, the lawyer is still to be told
        elif left.total_seconds() < 0:
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

    @staticmethod
    def _to_do(item: WatchItem, status: Text, language: Language) -> Text:
        """What the officer still has to do about the request, after its status."""
        parts: list[tuple[str, str]] = []
        if item.to_notify:  # P2: the phone is for the officer's eyes only
            decision = label("watch.granted" if item.permission_granted else "watch.refused",
                             language)
            parts.append((f"☎ {label('watch.to_notify', language)} ({decision})"
                          f" {item.lawyer_phone or '—'}", "bold magenta"))
        if item.document_contradicted:
            parts.append((f"✘ {label('watch.contradicted', language)}", "bold red"))
        elif item.document_to_confirm:
            parts.append((label("watch.to_confirm", language), "yellow"))
        if item.case_deadline is not None:
            parts.append((f"{label('watch.case_deadline', language)}"
                          f" {item.case_deadline:%m-%d}", "bold cyan" if item.fast_track else ""))
        for text, style in parts:
            if status.plain:
                status.append(" · ")
            status.append(text, style=style)
        return status

    def _render_summary(self, now: datetime, language: Language) -> None:
        summary = self.query_one("#watch-summary", Static)
        if not self.items:
            summary.update(label("watch.empty", language))
            return
        deadline = [i for i in self.items if i.kind == "deadline"]
        at_risk = [i for i in deadline if i.booking_id is None and i.due - now < RED_UNDER]
        red = [i for i in self.items if i.kind != "closed" and i.due - now < RED_UNDER]
        permission = len([i for i in self.items if i.kind == "permission"])
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
            request_id = int(event.row_key.value)
            item = next((i for i in self.items if i.request_id == request_id), None)
            if item is not None and item.kind == "closed":
                self._notify(item)
            else:
                open_request(self.app, self.notice, request_id)

    def _notify(self, item: WatchItem) -> None:
        """C7: the officer has told the lawyer that the request was closed."""
        app = self.app

        def told(sure: bool | None) -> None:
            if not sure:
                return
            with self.notice.refusals():
                if app.desk.record_notified(item.request_id):
                    self.action_reload()

        app.push_screen(ConfirmDialog("watch.to_notify_closed", "watch.notified_statement",
                                      lambda language: f"#{item.request_id} {item.lawyer}"
                                      f" · {item.detainee} {item.roster_no}"), told)
