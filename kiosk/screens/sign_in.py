"""S1: an officer or warden signs in with staff number and PIN.

The kiosk's first screen: it imports nothing of the domain before a sign-in is checked
(kiosk/startup.py loads the domain behind it while the officer types)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from kiosk.components.bilingual import labelled, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice


class SignInScreen(Screen):
    """The kiosk's base screen: nothing else is reachable before a sign-in."""

    def compose(self) -> ComposeResult:
        yield KioskHeader("sign_in.title")
        with Center(), Vertical(id="sign-in-box"):
            yield labelled(Static(classes="hint"), "sign_in.hint")
            yield labelled(Static(classes="field-label"), "sign_in.staff_no")
            yield Input(id="staff-no", restrict=r"[0-9A-Za-z]*", max_length=16)
            yield labelled(Static(classes="field-label"), "sign_in.pin")
            yield Input(id="pin", password=True, restrict=r"[0-9]*", max_length=32)
            yield labelled(Button(variant="primary", id="sign-in"), "sign_in.submit")
            yield Notice(id="sign-in-message")
        yield KioskFooter()

    waiting = False
    """A sign-in was submitted before the kiosk had started: checked once it has."""

    def on_mount(self) -> None:
        self.watch(self.app, "language", lambda language: translate(self, language))
        self.query_one("#staff-no", Input).focus()

    def reset(self) -> None:
        """Blank form for the next person (after a sign-out)."""
        self.query_one("#staff-no", Input).clear()
        self.query_one("#pin", Input).clear()
        self.query_one(Notice).clear()
        self.query_one("#staff-no", Input).focus()

    @on(Input.Submitted, "#staff-no")
    def _to_pin(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#sign-in")
    def submit(self) -> None:
        staff_no = self.query_one("#staff-no", Input).value.strip()
        pin_input = self.query_one("#pin", Input)
        pin = pin_input.value
        notice = self.query_one(Notice)
        if not staff_no or not pin:
            notice.show("请输入警号和PIN", "enter your staff number and PIN")
            self.query_one("#pin" if staff_no else "#staff-no", Input).focus()
            return
        app = self.app
        if not app.ready:  # the settings and the database are still loading (kiosk/startup.py)
            self.waiting = True
            notice.show("正在启动，请稍候…", "starting…, one moment", "info")
            return
        self.waiting = False
        member = None
        with notice.refusals():
            member = app.desk.sign_in(staff_no, pin)
        pin_input.clear()
        if member is None:
            # the staff number may be what was wrong: start again there (Enter keeps it)
            self.query_one("#staff-no", Input).focus()
            return
        notice.clear()
        self.query_one("#staff-no", Input).clear()
        app.start_shift(member)

    def started(self) -> None:
        """The kiosk has started (KioskApp): check a sign-in submitted while it was starting."""
        if self.waiting:
            self.submit()
