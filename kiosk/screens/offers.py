"""C2/C3, B1-B8: the earliest times for a verified request, against its 48-hour deadline;
the officer books the one the lawyer chooses (or a later time the lawyer asks for)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    RadioButton,
    RadioSet,
    Static,
)

from booking.calendar import parse_day
from booking.meetings import Booking, Offer, Offers
from booking.watch import RED_UNDER, format_left
from kiosk.components.bilingual import labelled, translate
from kiosk.components.booking_text import booking_lines, room_kind, room_text, span
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader, local_time
from kiosk.components.notice import Notice
from kiosk.components.toggles import Choice, Tick
from kiosk.i18n import Language, label
from kiosk.screens.dialogs import (
    ConfirmDialog,
    DelayReasonDialog,
    DutySessionDialog,
    LawyerPresentDialog,
    parse_clock,
    regular_hours,
    show_value_error,
)

if TYPE_CHECKING:  # the printers load when the first job prints
    from kiosk.printing import PrintFinished

log = logging.getLogger(__name__)


# --- the screen -----------------------------------------------------------------------------

OFFERS_FRESH_SECONDS = 60
OFFER_COLUMNS = (("offers.kind", 16), ("offers.room", 14), ("offers.time", 30),
                 ("offers.when", 18), ("offers.before_deadline", 18))
# Below 100 columns the kind goes (the room's name says it) and the others narrow, so the
# 48-hour column stays on an 80x24 desk terminal (issue 12).
NARROW_OFFER_COLUMNS = (("offers.room", 16), ("offers.time", 28), ("offers.when", 10),
                        ("offers.before_deadline", 14))


class OffersScreen(Screen):
    """One request: its deadline, the earliest times, and the booking once made.

    lawyer_present: the screen was opened with the lawyer at the desk (from the verify
    screen, or a late lawyer's release at the meeting desk). Otherwise a "now" offer asks the
    officer first (LawyerPresentDialog): only a lawyer at the desk is checked in and queued."""

    BINDINGS = [
        Binding("escape", "back", "返回", id="key.back"),
        Binding("ctrl+d", "add_duty", "增加值班", id="key.duty", priority=True),
        Binding("ctrl+o", "open_meeting", "会见登记", id="key.open_meeting", priority=True),
    ]

    def __init__(self, request_id: int, *, lawyer_present: bool = False) -> None:
        super().__init__()
        self.request_id = request_id
        self.lawyer_present = lawyer_present
        self.offers: Offers | None = None
        self.booking: Booking | None = None
        self._choosing = False
        self._ticks = 0

    def compose(self) -> ComposeResult:
        app = self.app
        lengths = app.settings.meetings.lengths
        default = app.settings.meetings.default_length
        yield KioskHeader("offers.title")
        with VerticalScroll(id="offers-body"):
            yield Static(id="offers-request", markup=False)
            yield Static(id="offers-deadline", markup=False)
            yield Static(id="offers-warnings", classes="warning", markup=False)
            with Vertical(id="offers-choice"):
                with Horizontal(classes="row -group"):
                    yield labelled(Static(classes="field-label"), "offers.length")
                    yield RadioSet(*(Choice(id=f"length-{n}", value=n == default)
                                     for n in lengths), id="length", compact=True)
                with Horizontal(classes="row"):
                    yield Static(classes="field-label")
                    yield labelled(Tick(id="video", compact=True), "offers.video")
                    yield labelled(Tick(id="priority", compact=True), "offers.priority")
                yield DataTable(id="offers-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="offers-no-opening", markup=False)
                with Horizontal(id="offers-later", classes="row -group"):
                    yield labelled(Static(classes="field-label"), "offers.later_time")
                    yield Input(placeholder="YYYY-MM-DD", id="later-date", max_length=10,
                                restrict=r"[0-9-]*", classes="field -short")
                    yield Input(placeholder="HH:MM", id="later-time", max_length=5,
                                restrict=r"[0-9:]*", classes="field -short")
                    yield labelled(Button(id="book-later", compact=True), "offers.book_later")
                yield labelled(Static(classes="hint"), "offers.hint")
            yield Notice(id="offers-message")
            with Vertical(id="offers-booked"):
                yield Static(id="offers-booked-text", markup=False)
                yield labelled(Button(variant="primary", id="open-meeting", compact=True),
                               "offers.open_meeting")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one("#offers-booked").display = False
        with self.notice.refusals():
            if self.app.desk.request_card(self.request_id).fast_track:  # B12: priority
                self.query_one("#priority", Checkbox).value = True
        self.load_offers()
        self.watch(self.app, "language", self._set_language)
        self.set_interval(1, self._tick)
        self.query_one("#offers-table", DataTable).focus()

    def on_resize(self) -> None:
        if self.offers is not None:  # the narrow columns come and go with the width
            self._render_table(self.app.language)

    # -- showing

    @property
    def notice(self) -> Notice:
        return self.query_one("#offers-message", Notice)

    @property
    def length(self) -> int:
        pressed = self.query_one("#length", RadioSet).pressed_button
        return int(pressed.id.removeprefix("length-")) if pressed and pressed.id else \
            self.app.settings.meetings.default_length

    def load_offers(self) -> None:
        """Ask the domain again (after a change of length, video, or a duty session)."""
        self.offers = None
        with self.notice.refusals():
            self.offers = self.app.desk.offers(self.request_id, self.length,
                                               self.query_one("#video", Checkbox).value)
        self._show()

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        for n in self.app.settings.meetings.lengths:
            self.query_one(f"#length-{n}", RadioButton).label = \
                f"{n} {label('offers.minutes', language)}"
        self._show()

    def _tick(self) -> None:
        self._render_deadline(self.app.language)
        self._ticks += 1
        if self._ticks % OFFERS_FRESH_SECONDS == 0 and self.is_current and self.booking is None \
                and not self._choosing:
            self.load_offers()  # "now" moves on; so may the rooms

    def _show(self) -> None:
        language = self.app.language
        card = None
        with self.notice.refusals():
            card = self.app.desk.request_card(self.request_id)
        if card is not None:
            self.query_one("#offers-request", Static).update(
                f"{label('offers.request', language)} #{card.id} · "
                f"{label('offers.lawyer', language)} {card.lawyer} {card.cert_no}"
                f" {card.firm_name} · {label('offers.detainee', language)} {card.detainee}"
                f" {card.roster_no}"
                + (f"\n⚑ {label('offers.fast_track', language)}"
                   f" ({label('watch.case_deadline', language)} {card.case_deadline})"
                   if card.fast_track else ""))
        self._render_deadline(language)
        offers = self.offers
        warnings = self.query_one("#offers-warnings", Static)
        warnings.update("\n".join(f"⚠ {w}" for w in offers.warnings) if offers else "")
        warnings.display = bool(offers and offers.warnings)
        self._render_table(language)
        no_opening = self.query_one("#offers-no-opening", Static)
        no_opening.display = bool(offers and offers.no_opening_before_deadline)
        no_opening.update(f"✘ {label('offers.no_opening', language)}")
        self._render_booking(language)

    def _render_deadline(self, language: Language) -> None:
        line = self.query_one("#offers-deadline", Static)
        deadline = self.offers.deadline if self.offers else \
            (self.booking.deadline if self.booking else None)
        if deadline is None:
            line.update("")
            return
        left = deadline - self.app.clock.now()
        line.update(f"{label('offers.deadline', language)}"
                    f" {local_time(deadline.astimezone(self.app.settings.zone), language)}"
                    f" · {label('offers.left', language)} {format_left(left)}")
        line.set_class(left < RED_UNDER, "-red")

    def _render_table(self, language: Language) -> None:
        table = self.query_one("#offers-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        narrow = self.size.width < 100
        for key, width in NARROW_OFFER_COLUMNS if narrow else OFFER_COLUMNS:
            table.add_column(label(key, language), width=width)
        zone = self.app.settings.zone
        for offer in self.offers.offers if self.offers else []:
            table.add_row(
                *(() if narrow else (room_kind(offer.room_kind, language),)),
                room_text(self.app.settings, offer.room_id, offer.room_name, language),
                span(offer.start, offer.end, zone, language),
                Text(label("offers.immediate", language), style="bold green") if offer.immediate
                else label("offers.later", language),
                Text(f"✔ {label('offers.in_time', language)}") if offer.before_deadline
                else Text(f"✘ {label('offers.after_deadline', language)}", style="bold red"),
            )
        if self.offers and not self.offers.offers:
            self.notice.show(label("offers.none", "zh"), label("offers.none", "en"))
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def _render_booking(self, language: Language) -> None:
        booked = self.booking is not None
        self.query_one("#offers-choice").display = not booked
        self.query_one("#offers-booked").display = booked
        if self.booking is not None:
            lines = booking_lines(self.app, self.booking, language)
            self.query_one("#offers-booked-text", Static).update(
                f"✔ {label('offers.booked', language)} — " + "\n".join(lines))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add_duty":
            return self.booking is None
        if action == "open_meeting":
            return self.booking is not None
        return True

    # -- choosing what to ask the domain for

    @on(RadioSet.Changed, "#length")
    @on(Checkbox.Changed, "#video")
    def _ask_again(self) -> None:
        self.notice.clear()
        self.load_offers()

    @property
    def priority(self) -> bool:
        return self.query_one("#priority", Checkbox).value

    # -- booking an offer

    @on(DataTable.RowSelected, "#offers-table")
    def _offer_selected(self, event: DataTable.RowSelected) -> None:
        if self.offers is None or self.booking is not None or self._choosing:
            return
        self._choosing = True
        self.choose(self.offers.offers[event.cursor_row])

    @work(group="choose")
    async def choose(self, offer: Offer) -> None:
        """The lawyer chose an offer: ask what the rules need, then book (C3, B5)."""
        try:
            await self._choose(offer)
        except Exception:  # a fault of ours: shown, never a crash of the desk
            log.exception("choosing offer %s failed", offer)
            self.notice.show(label("error.unexpected", "zh"), label("error.unexpected", "en"))
        finally:
            self._choosing = False

    async def _choose(self, offer: Offer) -> None:
        notice, app = self.notice, self.app
        notice.clear()
        at_desk = True
        if offer.immediate and not self.lawyer_present:
            present = await app.push_screen_wait(LawyerPresentDialog(
                self._offer_details(offer), app.settings.meetings.late_minutes))
            if present is None:
                notice.show(label("offers.nothing_booked", "zh"),
                            label("offers.nothing_booked", "en"), kind="info")
                return
            at_desk = present
            if not at_desk and offer.room_kind == "interrogation":  # B5: the lawyer signs
                notice.show(label("offers.absent_consent", "zh"),
                            label("offers.absent_consent", "en"))
                return
        reason, text = None, ""
        if not offer.immediate:  # C3/C4: the officer says why, here where the time is chosen
            picked = await self._delay_reason(offer.start, self._offer_details(
                offer, None if offer.before_deadline else "offers.after_deadline_note"),
                self._suggested_reason())
            if picked is None:
                return
            reason, text = picked
        start = self._now_minute() if offer.immediate else offer.start
        consent = False
        if offer.room_kind == "interrogation":
            self._print(lambda: app.print_consent(self.request_id, offer.room_id, start))
            consent = bool(await app.push_screen_wait(ConfirmDialog(
                "consent.title", "consent.signed", self._offer_details(offer, "consent.printed"))))
            if not consent:
                notice.show(label("offers.no_consent", "zh"), label("offers.no_consent", "en"))
                return
        if offer.immediate:  # the consent may have taken minutes: "now" is when it is booked
            start = self._now_minute()
        self._book(offer.room_id, start, at_desk=at_desk, delay_reason=reason, delay_text=text,
                   consent_signed=consent)

    async def _delay_reason(self, start: datetime, details: Callable[[Language], str],
                            suggested: str) -> tuple[str, str] | None:
        """C3/C4: the reason picked for a time that is not the earliest offer, or None."""
        picked = await self.app.push_screen_wait(DelayReasonDialog(details, suggested))
        if picked is None:
            self.notice.show(label("offers.nothing_booked", "zh"),
                             label("offers.nothing_booked", "en"), kind="info")
        return picked

    def _offer_details(self, offer: Offer, note_key: str | None = None
                       ) -> Callable[[Language], str]:
        zone = self.app.settings.zone
        deadline = self.offers.deadline if self.offers else offer.end

        def details(language: Language) -> str:
            lines = [f"{room_text(self.app.settings, offer.room_id, offer.room_name, language)}"
                     f" · {span(offer.start, offer.end, zone, language)}",
                     f"{label('offers.deadline', language)}"
                     f" {local_time(deadline.astimezone(zone), language)}"]
            if note_key:
                lines.append(label(note_key, language))
            return "\n".join(lines)

        return details

    def _now_minute(self) -> datetime:
        """A "now" offer starts on the current minute, as offer_slots and book() count it."""
        return self.app.clock.now().replace(second=0, microsecond=0)

    def _suggested_reason(self) -> str:
        """C3: booking's suggestion for the delay reason (the officer picks)."""
        return self.app.desk.suggested_delay_reason(self.length)

    def _book(self, room_id: str, start: datetime, *, at_desk: bool = True, **choices) -> None:
        """Book with the lawyer at the desk: a meeting now also checks the lawyer in and
        queues them (C2), and the queue ticket prints; a later one prints the slip and the
        情况说明 (C3). at_desk=False (the officer said the lawyer is not here): only booked,
        a meeting now included; the lawyer checks in on coming (key 1 or a scan, B10)."""
        app = self.app
        with self.notice.refusals() as outcome:
            if at_desk:
                booking = app.desk.book_at_desk(self.request_id, room_id, start, self.length,
                                                priority=self.priority, **choices).booking
            else:
                booking = app.desk.book(self.request_id, room_id, start, self.length,
                                        priority=self.priority, **choices)
        if outcome.refused:
            return
        self.booking = booking
        self.notice.clear()
        if not at_desk and booking.immediate:
            self.notice.show(label("offers.booked_absent", "zh"),
                             label("offers.booked_absent", "en"), kind="info")
        self._print(lambda: app.print_booking(booking.id))
        self._render_booking(app.language)
        self.query_one("#open-meeting", Button).focus()

    def on_print_finished(self, message: PrintFinished) -> None:
        """T4: the ticket printed or failed: show its print state with the booking."""
        if self.booking is not None and message.booking_id == self.booking.id:
            self._render_booking(self.app.language)

    def _print(self, job: Callable[[], None]) -> None:
        """Printing never undoes a booking (T4): a fault is shown, the booking stays."""
        try:
            job()
        except Exception:
            log.exception("printing failed")
            self.notice.show(label("offers.print_failed", "zh"),
                             label("offers.print_failed", "en"))

    # -- a later time, asked for by the lawyer

    @on(Input.Submitted, "#later-date")
    def _to_time(self) -> None:
        self.query_one("#later-time", Input).focus()

    @on(Input.Submitted, "#later-time")
    @on(Button.Pressed, "#book-later")
    def _later_asked(self) -> None:
        if self.booking is None and not self._choosing:
            self._choosing = True
            self.book_later()

    @work(group="choose")
    async def book_later(self) -> None:
        """A time later than the offers: the officer picks why (C3/C4: the lawyer's own
        choice, or the detainee away, ...); book() keeps the offers declined."""
        try:
            await self._book_later()
        except Exception:  # a fault of ours: shown, never a crash of the desk
            log.exception("booking a later time failed")
            self.notice.show(label("error.unexpected", "zh"), label("error.unexpected", "en"))
        finally:
            self._choosing = False

    async def _book_later(self) -> None:
        app = self.app
        try:
            day = parse_day(self.query_one("#later-date", Input).value)
            start = parse_clock(day, self.query_one("#later-time", Input).value,
                                app.settings.zone)
        except ValueError as exc:
            show_value_error(self.notice, exc)
            return
        kind = "video" if self.query_one("#video", Checkbox).value else "meeting"
        room = app.desk.free_room(kind, start, start + timedelta(minutes=self.length))
        if room is None:
            self.notice.show(label("offers.no_room_then", "zh"), label("offers.no_room_then", "en"))
            return
        zone, deadline = app.settings.zone, self.offers.deadline if self.offers else None

        def details(language: Language) -> str:
            lines = [f"{room_text(app.settings, room.id, room.name, language)}"
                     f" · {local_time(start.astimezone(zone), language)}"]
            if deadline is not None:
                lines.append(f"{label('offers.deadline', language)}"
                             f" {local_time(deadline.astimezone(zone), language)}")
                if start >= deadline:
                    lines.append(label("offers.after_deadline_note", language))
            return "\n".join(lines)

        picked = await self._delay_reason(start, details, "lawyer_choice")
        if picked is None:
            return
        reason, text = picked
        self._book(room.id, start, delay_reason=reason, delay_text=text)

    # -- keys

    def action_back(self) -> None:
        self.app.go_home()

    def _day_to_open(self) -> date:
        """B2: the day being handled: the later date typed; else the first closed day (a
        Sunday, a holiday) from today to the deadline; else today."""
        app = self.app
        try:
            return parse_day(self.query_one("#later-date", Input).value)
        except ValueError:
            pass
        today = app.clock.now().astimezone(app.settings.zone).date()
        last = self.offers.deadline.astimezone(app.settings.zone).date() if self.offers else today
        calendar = app.desk.calendar()
        days = (today + timedelta(days=n) for n in range((last - today).days + 1))
        return next((day for day in days if not calendar.day(day).is_open), today)

    def action_add_duty(self) -> None:
        day = self._day_to_open()

        def added(entry) -> None:
            self.query_one("#offers-table", DataTable).focus()  # the offers, read again
            if entry is None:
                return
            sessions = " ".join(entry.sessions)
            self.notice.show(f"{label('offers.duty_added', 'zh')} {entry.day} {sessions}",
                             f"{label('offers.duty_added', 'en')} {entry.day} {sessions}",
                             kind="info")
            self.load_offers()

        self.app.push_screen(DutySessionDialog(day, regular_hours(self.app.settings.hours, day)),
                             added)

    @on(Button.Pressed, "#open-meeting")
    def action_open_meeting(self) -> None:
        if self.booking is None:
            return
        self.app.switch_screen(self.app.meeting_screen(self.booking.id))
