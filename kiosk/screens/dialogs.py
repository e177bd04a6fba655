"""The desk's small questions, each a modal dialog: confirmations the officer must tick
(B5 consent and devices off, no-show, release), whether the lawyer is at the desk for a
meeting now (C2), the delay reason (C3), the authority's
permission (P2), a duty session (B2), the assistant (A1-A3), and ending a defence (V6).

Every dialog dismisses with its result, or None when the officer cancels (Esc). Dialogs
that record something call the use case themselves, so a refusal is shown in the dialog
and the officer can correct it without starting again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from booking.calendar import CalendarEntry, parse_day
from booking.defences import END_REASONS, Defence
from booking.desk_queries import RequestCard
from booking.meetings import DELAY_REASONS
from booking.settings import Hours
from booking.watch import format_left
from kiosk.components.bilingual import labelled, translate
from kiosk.components.header import local_time
from kiosk.components.notice import Notice
from kiosk.components.toggles import Choice, Tick
from kiosk.i18n import Language, label

# C3: what the officer picks from; "the lawyer chose a later time" is recorded by book().
OFFICER_DELAY_REASONS = list(DELAY_REASONS)  # C3: the lawyer's own choice among them (C4)
ResultType = TypeVar("ResultType")
Details = Callable[[Language], str]
"""What a dialog is about (room, time, deadline), in a language: it follows F2."""


def field_row(label_key: str, field: Widget) -> Horizontal:
    return Horizontal(labelled(Static(classes="dialog-label"), label_key), field,
                      classes="dialog-row")


class Dialog(ModalScreen[ResultType]):
    """A box with a title, the dialog's own body, a message line and Confirm / Cancel."""

    TITLE_KEY = ""
    HINT_KEY = "dialog.hint"
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="dialog.cancel"),
        Binding("ctrl+s", "confirm", "确认", id="dialog.confirm", priority=True),
    ]

    def compose(self) -> ComposeResult:
        # scrolls inside, the buttons docked below: they stay on screen at 80x24
        with VerticalScroll(classes="dialog"):
            yield labelled(Static(classes="dialog-title"), self.TITLE_KEY)
            yield from self.body()
            yield Notice(id="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield labelled(Button(variant="primary", id="confirm", compact=True),
                               "dialog.confirm")
                yield labelled(Button(id="cancel", compact=True), "dialog.cancel")
                yield labelled(Static(classes="hint"), self.HINT_KEY)

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "language", self.set_language)

    def set_language(self, language: Language) -> None:
        translate(self, language)

    @property
    def notice(self) -> Notice:
        return self.query_one("#dialog-message", Notice)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        raise NotImplementedError


class ConfirmDialog(Dialog[bool]):
    """A statement the officer must tick before confirming (consent signed, devices off...):
    what the officer vouches for, in the screen's language (issue 12); the audit records who
    did, and the paper the lawyer signs carries both languages."""

    HINT_KEY = "dialog.tick_hint"

    def __init__(self, title_key: str, statement_key: str, details: Details | None = None
                 ) -> None:
        super().__init__()
        self.TITLE_KEY = title_key
        self.statement_key = statement_key
        self.details = details

    def body(self) -> ComposeResult:
        yield Static(id="dialog-details", classes="dialog-details", markup=False)
        yield Tick(label(self.statement_key, "zh"), id="statement", compact=True)

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        self.query_one("#statement", Checkbox).label = label(self.statement_key, language)
        details = self.query_one("#dialog-details", Static)
        details.display = self.details is not None
        if self.details is not None:
            details.update(self.details(language))

    def on_mount(self) -> None:
        self.query_one("#statement", Checkbox).focus()

    def confirm(self) -> None:
        if not self.query_one("#statement", Checkbox).value:
            self.notice.show(label("dialog.tick_first", "zh"), label("dialog.tick_first", "en"))
            self.query_one("#statement", Checkbox).focus()
            return
        self.dismiss(True)


class LawyerPresentDialog(Dialog[bool]):
    """C2/B10: a "now" offer chosen away from the verify screen (watch list, permission, a
    release): is the lawyer at the desk? True: book, check in and queue now; False: book the
    room now without arrival (the lawyer checks in on coming, within the late limit); None
    (Esc): nothing is booked. Neither answer is preselected: the officer must say which."""

    TITLE_KEY = "present.title"
    HINT_KEY = "present.hint"

    def __init__(self, details: Details, late_minutes: int) -> None:
        super().__init__()
        self.details = details
        self.late_minutes = late_minutes

    def body(self) -> ComposeResult:
        yield Static(id="dialog-details", classes="dialog-details", markup=False)
        yield Static(id="present-explain", classes="dialog-details", markup=False)
        yield RadioSet(labelled(Choice(id="present"), "present.yes"),
                       labelled(Choice(id="absent"), "present.no"),
                       id="presence", compact=True)

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        self.query_one("#dialog-details", Static).update(self.details(language))
        self.query_one("#present-explain", Static).update(
            label("present.explain", language).format(minutes=self.late_minutes))

    def on_mount(self) -> None:
        self.query_one("#presence", RadioSet).focus()

    def confirm(self) -> None:
        if self.query_one("#present", RadioButton).value:
            self.dismiss(True)
        elif self.query_one("#absent", RadioButton).value:
            self.dismiss(False)
        else:
            self.notice.show(label("present.choose", "zh"), label("present.choose", "en"))
            self.query_one("#presence", RadioSet).focus()


class DelayReasonDialog(Dialog[tuple[str, str]]):
    """C3: why the meeting cannot start now; printed on the 情况说明 for the lawyer."""

    TITLE_KEY = "delay.title"
    HINT_KEY = "delay.hint"

    def __init__(self, details: Details, suggested: str | None = None) -> None:
        super().__init__()
        self.details = details
        self.suggested = suggested

    def body(self) -> ComposeResult:
        yield Static(id="dialog-details", classes="dialog-details", markup=False)
        yield labelled(Static(classes="dialog-details"), "delay.explain")
        yield OptionList(*(Option(zh, id=key) for key, (zh, _en) in
                           DELAY_REASONS.items() if key in OFFICER_DELAY_REASONS),
                         id="reasons", markup=False, compact=True)
        yield labelled(Static(), "delay.other_text")
        yield Input(id="other-text", max_length=200, classes="field")

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        self.query_one("#dialog-details", Static).update(self.details(language))
        reasons = self.query_one("#reasons", OptionList)
        for key in OFFICER_DELAY_REASONS:  # issue 12: the screen's language; paper has both
            zh, en = DELAY_REASONS[key]
            reasons.replace_option_prompt(key, zh if language == "zh" else en)

    def on_mount(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        if self.suggested in OFFICER_DELAY_REASONS:
            reasons.highlighted = OFFICER_DELAY_REASONS.index(self.suggested)
        reasons.focus()

    @on(OptionList.OptionSelected, "#reasons")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == "other":
            self.query_one("#other-text", Input).focus()
        else:
            self.confirm()

    @on(Input.Submitted, "#other-text")
    def _text_done(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        if reasons.highlighted is None:
            self.notice.show(label("delay.choose", "zh"), label("delay.choose", "en"))
            reasons.focus()
            return
        reason = OFFICER_DELAY_REASONS[reasons.highlighted]
        text = self.query_one("#other-text", Input).value.strip()
        if reason == "other" and not text:
            self.notice.show(label("delay.other_missing", "zh"),
                             label("delay.other_missing", "en"))
            self.query_one("#other-text", Input).focus()
            return
        self.dismiss((reason, text))


class PermissionDialog(Dialog[dict]):
    """P2: record the investigating authority's decision, with its reference number."""

    TITLE_KEY = "permission.title"

    def __init__(self, card: RequestCard) -> None:
        super().__init__()
        self.card = card

    def body(self) -> ComposeResult:
        yield Static(id="permission-details", classes="dialog-details", markup=False)
        yield field_row("permission.decision", RadioSet(
            labelled(Choice(id="granted", value=True), "permission.granted"),
            labelled(Choice(id="refused"), "permission.refused"),
            id="decision", compact=True))
        yield field_row("permission.reference",
                        Input(id="reference", max_length=60, classes="field"))
        # P2: how the lawyer is told; neither is preselected, the officer must say which
        yield RadioSet(labelled(Choice(id="lawyer-here"), "permission.lawyer_here"),
                       labelled(Choice(id="lawyer-away"), "permission.lawyer_away"),
                       id="lawyer-presence", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reference", Input).focus()

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        card, app = self.card, self.app
        now = app.clock.now()
        lines = [f"{label('offers.request', language)} #{card.id} · {label('offers.lawyer', language)}"
                 f" {card.lawyer} · {label('offers.detainee', language)} {card.detainee}"
                 f" {card.roster_no}"]
        if card.permission_due is not None:
            due = card.permission_due.astimezone(app.settings.zone)
            lines.append(f"{label('permission.due', language)} {local_time(due, language)}"
                         f" ({label('offers.left', language)} {format_left(due - now)})")
        lines.append(label("permission.explain", language))
        self.query_one("#permission-details", Static).update("\n".join(lines))

    @on(Input.Submitted, "#reference")
    def _submitted(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        granted = self.query_one("#granted", RadioButton).value
        reference = self.query_one("#reference", Input).value
        here = self.query_one("#lawyer-here", RadioButton).value
        away = self.query_one("#lawyer-away", RadioButton).value
        if reference.strip() and not here and not away:  # the reference is asked first
            self.notice.show(label("present.choose", "zh"), label("present.choose", "en"))
            self.query_one("#lawyer-presence", RadioSet).focus()
            return
        with self.notice.refusals():
            self.dismiss(self.app.desk.record_permission(self.card.id, granted, reference,
                                                         lawyer_present=here))


def split_sessions(text: str) -> list[str]:
    """'09:00-11:30, 13:00-16:00' -> ['09:00-11:30', '13:00-16:00']."""
    return [part for part in re.split(r"[\s,，;；]+", text) if part]


def regular_hours(hours: Hours, day: date) -> str:
    """The hours a duty session on `day` proposes: that weekday's configured sessions (a
    holiday's too); a Sunday closed by the switch gets the weekday hours, as a make-up day."""
    sessions = hours.sessions_for_weekday(day.weekday()) or hours.sessions_for_weekday(0)
    return " ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in sessions)


class DutySessionDialog(Dialog[CalendarEntry]):
    """B2: open a date with duty sessions, so a meeting fits before the deadline. It opens
    on the day being handled with that day's regular hours proposed (never another day's:
    a hurried confirm must not cut a day's hours)."""

    TITLE_KEY = "duty.title"

    def __init__(self, day: date, sessions: str) -> None:
        super().__init__()
        self.day = day
        self.sessions = sessions

    def body(self) -> ComposeResult:
        yield labelled(Static(classes="dialog-details"), "duty.explain")
        yield field_row("duty.day", Input(self.day.isoformat(), id="duty-day", max_length=10,
                                          restrict=r"[0-9-]*", classes="field"))
        yield field_row("duty.sessions", Input(self.sessions, id="duty-sessions", max_length=80,
                                               classes="field"))

    def on_mount(self) -> None:
        self.query_one("#duty-sessions", Input).focus()

    @on(Input.Submitted, "#duty-day")
    def _to_sessions(self) -> None:
        self.query_one("#duty-sessions", Input).focus()

    @on(Input.Submitted, "#duty-sessions")
    def _submitted(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        try:
            day = parse_day(self.query_one("#duty-day", Input).value)
        except ValueError as exc:
            show_value_error(self.notice, exc)
            self.query_one("#duty-day", Input).focus()
            return
        sessions = split_sessions(self.query_one("#duty-sessions", Input).value)
        with self.notice.refusals():
            self.dismiss(self.app.desk.add_duty_session(day, sessions))


class AssistantDialog(Dialog[int]):
    """A1/A2: the assistant's firm letter and practice or trainee certificate."""

    TITLE_KEY = "assistant.title"

    def __init__(self, booking_id: int) -> None:
        super().__init__()
        self.booking_id = booking_id

    def body(self) -> ComposeResult:
        yield labelled(Static(classes="dialog-details"), "assistant.explain")
        yield field_row("assistant.name", Input(id="assistant-name", max_length=40,
                                                classes="field"))
        yield field_row("assistant.firm_code", Input(id="assistant-firm", max_length=18,
                                                     restrict=r"[0-9A-Za-z]*",
                                                     classes="field"))
        yield field_row("assistant.cert_kind", RadioSet(
            labelled(Choice(id="trainee", value=True), "assistant.trainee"),
            labelled(Choice(id="practice"), "assistant.practice"),
            id="cert-kind", compact=True))
        yield field_row("assistant.cert_no", Input(id="assistant-cert", max_length=17,
                                                   restrict=r"[0-9]*",
                                                   classes="field"))
        yield labelled(Tick(id="assistant-inspected", compact=True), "assistant.inspected")

    def on_mount(self) -> None:
        self.query_one("#assistant-name", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "assistant-cert":
            self.confirm()
        else:
            self.focus_next()

    def confirm(self) -> None:
        kind = "practice" if self.query_one("#practice", RadioButton).value else "trainee"
        with self.notice.refusals():
            self.dismiss(self.app.desk.add_assistant(
                self.booking_id, self.query_one("#assistant-name", Input).value,
                self.query_one("#assistant-firm", Input).value.strip().upper(), kind,
                self.query_one("#assistant-cert", Input).value.strip(),
                self.query_one("#assistant-inspected", Checkbox).value))


class AssistantConfirmationDialog(Dialog[str]):
    """A3: the case unit confirmed the assistant's identity; its reference number."""

    TITLE_KEY = "assistant.confirm_title"

    def __init__(self, assistant_id: int, details: Details) -> None:
        super().__init__()
        self.assistant_id = assistant_id
        self.details = details

    def body(self) -> ComposeResult:
        yield Static(id="dialog-details", classes="dialog-details", markup=False)
        yield field_row("assistant.reference", Input(id="assistant-ref", max_length=60,
                                                     classes="field"))

    def set_language(self, language: Language) -> None:
        super().set_language(language)
        self.query_one("#dialog-details", Static).update(self.details(language))

    def on_mount(self) -> None:
        self.query_one("#assistant-ref", Input).focus()

    @on(Input.Submitted, "#assistant-ref")
    def _submitted(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        reference = self.query_one("#assistant-ref", Input).value
        with self.notice.refusals():
            self.app.desk.confirm_assistant(self.assistant_id, reference)
            self.dismiss(reference.strip())


def show_value_error(notice: Notice, exc: ValueError) -> None:
    """Our parsers' ValueErrors read 'zh / en'."""
    zh, _, en = str(exc).partition(" / ")
    notice.show(zh, en or zh)


def parse_clock(day: date, text: str, zone: tzinfo) -> datetime:
    """'14:30' on a date in the centre's zone; ValueError with a bilingual message."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ValueError("时间应为 HH:MM，如 14:30 / give the time as HH:MM, e.g. 14:30")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError("时间应为 HH:MM，如 14:30 / give the time as HH:MM, e.g. 14:30")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


class EndDefenceDialog(Dialog[Defence]):
    """V6: a defence ended (revoked, the lawyer withdrew, the aid letter ended): which
    lawyer, why, and the date on the document; the detainee's place is free again."""

    TITLE_KEY = "defence.title"

    def __init__(self, roster_no: str) -> None:
        super().__init__()
        self.roster_no = roster_no

    def body(self) -> ComposeResult:
        yield labelled(Static(classes="dialog-details"), "defence.explain")
        defences = self.app.desk.live_defences(self.roster_no)
        yield OptionList(*(Option(f"{d.lawyer_name}  {d.cert_no}", id=d.cert_no)
                           for d in defences), id="defences", markup=False, compact=True)
        yield field_row("defence.reason", RadioSet(
            *(labelled(Choice(id=key, value=key == "revoked"), f"defence.{key}")
              for key in END_REASONS), id="end-reason", compact=True))
        yield field_row("defence.on", Input(self.app.clock.now().date().isoformat(),
                                            id="defence-on", max_length=10,
                                            restrict=r"[0-9-]*", classes="field"))

    def on_mount(self) -> None:
        self.query_one("#defences", OptionList).focus()

    @on(OptionList.OptionSelected, "#defences")
    def _picked(self) -> None:
        self.query_one("#defence-on", Input).focus()

    @on(Input.Submitted, "#defence-on")
    def _submitted(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        defences = self.query_one("#defences", OptionList)
        if defences.highlighted is None:
            self.notice.show(label("defence.choose", "zh"), label("defence.choose", "en"))
            defences.focus()
            return
        cert_no = defences.get_option_at_index(defences.highlighted).id
        pressed = self.query_one("#end-reason", RadioSet).pressed_button
        try:
            on_day = parse_day(self.query_one("#defence-on", Input).value)
        except ValueError as exc:
            show_value_error(self.notice, exc)
            self.query_one("#defence-on", Input).focus()
            return
        with self.notice.refusals():
            self.dismiss(self.app.desk.end_defence(self.roster_no, cert_no,
                                                   pressed.id if pressed else "", on_day))
