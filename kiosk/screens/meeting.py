"""One booking at the desk: the lawyer arrives and is queued (key 1, as a QR scan: the day's
next queue number and its ticket, T1/Q4), the meeting starts (B10: neither for a lawyer
never checked in and past the late limit; B5: devices off in an interrogation room) and
ends, or does not happen (C4); the assistant (A1-A3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from booking.meetings import DESK_ACTIONS, NEEDS_DEVICES_OFF, Booking, PushedBooking, slot_lost
from kiosk.components.bilingual import room_name, translate
from kiosk.components.booking_text import booking_lines
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader, local_time
from kiosk.components.notice import Notice
from kiosk.i18n import Language, label
from kiosk.screens.dialogs import AssistantConfirmationDialog, AssistantDialog, ConfirmDialog
from kiosk.screens.record_dialog import RecordDialog

if TYPE_CHECKING:  # the printers load when the first job prints
    from kiosk.printing import PrintFinished

log = logging.getLogger(__name__)

# (key, action, label key): the desk's actions on a booking, as keys and as buttons.
ACTIONS = (
    ("1", "arrive", "key.arrive"),
    ("2", "start", "key.start"),
    ("3", "end", "key.end"),
    ("4", "no_show", "key.no_show"),
    ("5", "cancelled", "key.cancelled"),
    ("6", "release", "key.release"),
    ("7", "assistant", "key.assistant"),
    ("8", "reprint", "key.reprint_booking"),
    ("9", "move", "key.move_pushed"),
)


class MeetingScreen(Screen):
    """The meeting desk for one booking; only what its state allows is offered."""

    BINDINGS = [Binding("escape", "back", "返回", id="key.back")] + [
        Binding(key, action, label(label_key, "zh"), id=label_key)
        for key, action, label_key in ACTIONS]

    def __init__(self, booking_id: int) -> None:
        super().__init__()
        self.booking_id = booking_id
        self._actions = None
        """booking's judgement of the desk's actions, read once per render (issue 13: the
        footer asks check_action for every key; the use cases judge again when one runs)."""
        self.booking: Booking | None = None

    def compose(self) -> ComposeResult:
        yield KioskHeader("meeting.title")
        with VerticalScroll(id="meeting-body"):
            yield Static(id="meeting-people", markup=False)
            yield Static(id="meeting-booking", markup=False)
            yield Static(id="meeting-times", markup=False)
            yield Static(id="meeting-assistant", markup=False)
            with Horizontal(id="meeting-actions"):
                for _key, action, _label in ACTIONS:
                    yield Button(id=action, compact=True)
            yield Notice(id="meeting-message")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.reload()
        self.watch(self.app, "language", self._set_language)
        self.focus_next_action()

    def on_screen_resume(self) -> None:
        """Back from a dialog ("record this?", devices off, assistant): focus the next step."""
        self.call_after_refresh(self.focus_next_action)

    def focus_next_action(self) -> None:
        """Issue 12: the desk's next step has the focus: the first action the booking's state
        allows (Enter does it, after its confirmation). Not when the desk has gone on to
        another screen (a release opens the offers)."""
        if not self.is_current:
            return
        for _key, action, _label in ACTIONS:
            button = self.query_one(f"#{action}", Button)
            if button.display:
                button.focus()
                return

    @property
    def notice(self) -> Notice:
        return self.query_one("#meeting-message", Notice)

    def reload(self) -> None:
        with self.notice.refusals():
            self.booking = self.app.desk.booking(self.booking_id)
        self._show(self.app.language)

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        for key, action, label_key in ACTIONS:
            self.query_one(f"#{action}", Button).label = f"{key} {label(label_key, language)}"
        self._show(language)

    # -- showing

    def _show(self, language: Language) -> None:
        booking = self.booking
        if booking is None:
            return
        self._actions = None  # judged again for this render (the booking, the time moved)
        app = self.app
        zone = app.settings.zone
        people = self._people(language)
        if people is not None:  # Q3: the officer compares them with the certificate shown
            self.query_one("#meeting-people", Static).update(people)
        self.query_one("#meeting-booking", Static).update(
            "\n".join(booking_lines(app, booking, language)))
        times = []
        if booking.started_at:
            times.append(f"{label('meeting.started', language)}"
                         f" {local_time(booking.started_at.astimezone(zone), language)}")
        if booking.devices_off_at:
            times.append(label("meeting.devices_off", language))
        if booking.ended_at:
            times.append(f"{label('meeting.ended', language)}"
                         f" {local_time(booking.ended_at.astimezone(zone), language)}")
        if self._late():
            times.append(label("meeting.late", language).format(
                minutes=app.settings.meetings.late_minutes))
        pushed = app.desk.pushed_booking(self.booking_id)
        if pushed is not None:  # B4: the room is still held by a meeting running over
            times.append(self._pushed_line(pushed, language))
        self.query_one("#meeting-times", Static).update(" · ".join(times))
        self.query_one("#meeting-times", Static).display = bool(times)
        self.query_one("#meeting-assistant", Static).update(self._assistant_line(language))
        for _key, action, _label in ACTIONS:
            button = self.query_one(f"#{action}", Button)
            button.display = bool(self.check_action(action, ()))
        self.refresh_bindings()

    def _people(self, language: Language) -> str | None:
        """The request, the lawyer (name, certificate, firm) and the detainee."""
        booking, app = self.booking, self.app
        if booking is None:
            return None
        with self.notice.refusals() as outcome:
            card = app.desk.request_card(booking.request_id)
        if outcome.refused:
            return None
        return (f"{label('offers.request', language)} #{card.id} · "
                f"{label('offers.lawyer', language)} {card.lawyer} {card.cert_no}"
                f" {card.firm_name} · {label('offers.detainee', language)} {card.detainee}"
                f" {card.roster_no}")

    def _assistant_line(self, language: Language) -> str:
        assistant = self.app.desk.assistant(self.booking_id)
        head = f"{label('meeting.assistant', language)}{'：' if language == 'zh' else ': '}"
        if assistant is None:
            return head + label("meeting.assistant_none", language)
        kind = label(f"assistant.{assistant.cert_kind}", language)
        status = (f"{label('meeting.assistant_confirmed', language)} {assistant.confirmation_ref}"
                  if assistant.confirmed else label("meeting.assistant_waiting", language))
        return f"{head}{assistant.name} · {kind} {assistant.cert_no} · {status}"

    def _late(self) -> bool:
        """B10: booking's judgement: never checked in and past the late limit."""
        booking = self.booking
        return booking is not None and slot_lost(booking, self.app.clock.now(), self.app.settings)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.booking is None:
            return action == "back"
        if action in DESK_ACTIONS:  # the rules live in booking (B10, B11, C4, A1-A3, Q4)
            return self._desk_actions().offered(action)
        return True

    def _desk_actions(self, fresh: bool = False):
        if fresh or self._actions is None:
            self._actions = self.app.desk.allowed_actions(self.booking_id)
        return self._actions

    # -- the actions

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id and self.check_action(event.button.id, ()):
            self.run_action(event.button.id)

    def _use(self, use_case: Callable[[], Booking], *, done_key: str) -> None:
        """Record through a use case of the desk (app.desk); a refusal shows on the notice."""
        with self.notice.refusals() as outcome:
            self.booking = use_case()
        if not outcome.refused:
            self.notice.show(label(done_key, "zh"), label(done_key, "en"), kind="info")
        self._show(self.app.language)

    def _confirm(self, action: str, then: Callable[[], None]) -> None:
        """B11: one stray key never changes the record. Show what `action` will record for
        this booking; on Enter, do it (the use case may still refuse: shown as before)."""
        now = self.app.clock.now().astimezone(self.app.settings.zone)

        def record(language: Language) -> str:
            return label(f"record.{action}", language).format(time=f"{now:%H:%M}")

        def confirmed(sure: bool | None) -> None:
            if sure:
                then()

        self.app.push_screen(RecordDialog(f"key.{action}", record, self._who_and_what),
                             confirmed)

    def _who_and_what(self, language: Language) -> str:
        """The booking a confirmation is about: the people, then room, time and state."""
        return "\n".join(filter(None, (self._people(language), self._details(language))))

    def action_arrive(self) -> None:
        self._confirm("arrive", self._arrive)

    def _arrive(self) -> None:
        """The lawyer is here without the slip or phone: the same as a scan (Q2-Q4), the
        arrival and the day's next queue number in one step, and the queue ticket prints;
        faults keep the ticket (T4: F9, or 8, prints it again)."""
        app = self.app
        with self.notice.refusals() as outcome:
            admission = app.desk.admit(self.booking_id)
        if not outcome.refused:
            self.booking = app.desk.booking(self.booking_id)
            key = "meeting.already_queued" if admission.repeat else "meeting.admitted"
            self.notice.show(label(key, "zh").format(label=admission.ticket.label),
                             label(key, "en").format(label=admission.ticket.label), kind="info")
            if not admission.repeat:  # Q4: a repeat shows the same number; 8 reprints
                self._print_queue_ticket()
        self._show(app.language)
        if self._late():
            self._release(lawyer_present=True)  # B10: too late; release and book again

    def _print_queue_ticket(self) -> None:
        from kiosk.printing import print_queue_ticket

        try:
            print_queue_ticket(self.app, self.booking_id)
        except Exception:  # printing never undoes the admission (T4)
            log.exception("printing the queue ticket failed")
            self.notice.show(label("offers.print_failed", "zh"), label("offers.print_failed", "en"))

    def action_start(self) -> None:
        booking, app = self.booking, self.app
        if booking is None:
            return
        refusal = self._desk_actions(fresh=True).refused.get("start")
        if refusal is not None and refusal.rule == "B11":  # B11: shown, nothing recorded
            self.notice.show(refusal.zh, refusal.en)
            return
        if booking.room_kind not in NEEDS_DEVICES_OFF or self._late():
            self._confirm("start", self._start)
            return

        def confirmed(devices_off: bool | None) -> None:
            if devices_off:
                self._use(lambda: app.desk.start_meeting(self.booking_id, True),
                          done_key="meeting.started_note")
            else:
                self.notice.show(label("meeting.not_started", "zh"),
                                 label("meeting.not_started", "en"))

        video = booking.room_kind == "video"  # B9: a video terminal is confirmed unmonitored too
        app.push_screen(ConfirmDialog("devices.video_title" if video else "devices.title",
                                      "devices.video_off" if video else "devices.off",
                                      self._details), confirmed)

    def _pushed_line(self, pushed: PushedBooking, language: Language) -> str:
        zone = self.app.settings.zone
        line = label("meeting.pushed", language).format(
            booking=pushed.held_by, room=pushed.room_id,
            time=local_time(pushed.held_until.astimezone(zone), language))
        free = pushed.next_free
        return f"{line}; " + (label("meeting.next_free", language).format(
            room=f"{room_name(self.app.settings, free.room_name, language)} ({free.room_id})",
            time=local_time(free.start.astimezone(zone), language))
            if free else label("meeting.no_free", language))

    def action_move(self) -> None:
        """B4: move a booking pushed by a meeting running over to the next free room."""
        app = self.app
        pushed = app.desk.pushed_booking(self.booking_id)
        if pushed is None or pushed.next_free is None:
            return
        free = pushed.next_free

        def confirmed(sure: bool | None) -> None:
            if sure:
                self._use(lambda: app.desk.move_booking(self.booking_id, free.room_id,
                                                        free.start),
                          done_key="meeting.moved_note")

        app.push_screen(ConfirmDialog("key.move_pushed", "key.move_pushed",
                                      lambda language: self._pushed_line(pushed, language)),
                        confirmed)

    def _start(self) -> None:
        app = self.app
        # B10: a lawyer never checked in and past the limit is refused, as by 1
        self._use(lambda: app.desk.start_meeting(self.booking_id),
                  done_key="meeting.started_note")
        if self._late():
            self._release(lawyer_present=True)  # the slot is lost; release, book again

    def action_end(self) -> None:
        self._confirm("end", lambda: self._use(lambda: self.app.desk.end_meeting(self.booking_id),
                                               done_key="meeting.ended_note"))

    def _close(self, outcome: str) -> None:
        self._confirm(outcome, lambda: self._use(
            lambda: self.app.desk.close_without_meeting(self.booking_id, outcome),
            done_key=f"meeting.{outcome}_note"))

    def action_no_show(self) -> None:
        self._close("no_show")

    def action_cancelled(self) -> None:
        self._close("cancelled")

    def action_release(self) -> None:
        """Key 6: the lawyer may not be here; a new booking "now" asks (LawyerPresentDialog)."""
        self._release(lawyer_present=False)

    def _release(self, lawyer_present: bool) -> None:
        """B10: the slot is lost; the request is open again with the same deadline. After 1 or
        2 the lawyer is at the desk, so a new booking now queues them at once."""
        app, booking = self.app, self.booking
        if booking is None:
            return

        def release() -> None:
            with self.notice.refusals() as outcome:
                app.desk.release_late(self.booking_id)
            if not outcome.refused:
                app.switch_screen(app.offers_screen(booking.request_id,
                                                    lawyer_present=lawyer_present))

        self._confirm("release", release)

    def action_assistant(self) -> None:
        assistant = self.app.desk.assistant(self.booking_id)
        if assistant is None:
            self.app.push_screen(AssistantDialog(self.booking_id), self._assistant_recorded)
        elif not assistant.confirmed:
            def details(language: Language) -> str:
                return (f"{assistant.name} · {label(f'assistant.{assistant.cert_kind}', language)}"
                        f" {assistant.cert_no}\n{label('assistant.confirm_explain', language)}")

            self.app.push_screen(AssistantConfirmationDialog(assistant.id, details),
                                 self._assistant_recorded)

    def _assistant_recorded(self, result: object) -> None:
        if result is not None:
            self.notice.show(label("meeting.assistant_recorded", "zh"),
                             label("meeting.assistant_recorded", "en"), kind="info")
        self._show(self.app.language)

    def on_print_finished(self, message: PrintFinished) -> None:
        """T4: the queue ticket printed or failed: its print state shows with the booking."""
        if message.booking_id == self.booking_id:
            self._show(self.app.language)

    def action_reprint(self) -> None:
        try:
            self.app.print_booking(self.booking_id)
        except Exception:
            log.exception("reprint failed")
            self.notice.show(label("offers.print_failed", "zh"), label("offers.print_failed", "en"))

    def action_back(self) -> None:
        self.app.go_home()

    def _details(self, language: Language) -> str:
        booking = self.booking
        return "\n".join(booking_lines(self.app, booking, language)[:1]) if booking else ""
