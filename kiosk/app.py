"""The kiosk's Textual app: the signed-in officer, the language, and the screens."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import tzinfo
from time import monotonic
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from booking.clock import SystemClock
from kiosk.components import linebreak
from kiosk.components.bilingual import relabel_bindings
from kiosk.components.toast import relanguage, say
from kiosk.i18n import LABELS, Language, label, other
from kiosk.screens.sign_in import SignInScreen
from kiosk.startup import Loaded, Startup, StartupFailure

linebreak.install()  # issue 12: no line of screen text starts with "。" or "，"

if TYPE_CHECKING:  # loaded after the first screen (kiosk/startup.py)
    from sqlite_utils import Database

    from booking.clock import Clock
    from booking.desk import Desk
    from booking.models import StaffMember
    from booking.settings import Settings


HUNG_UP = 129  # 128 + SIGHUP: the terminal closed under the kiosk


class KioskApp(App):
    """Front desk: an officer signs in, then checks the documents lawyers present."""

    CSS_PATH = "kiosk.tcss"
    # Issue 12: Ctrl+P lists every action of the screen with its key (the footer cuts keys
    # off on an 80-column desk terminal); only the kiosk's own actions, none of Textual's.
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "toggle_language", "English", id="key.language", priority=True),
        Binding("ctrl+l", "sign_out", "退出登录", id="key.sign_out", priority=True),
        Binding("f4", "open_desk('watch')", "监控", id="key.watch"),
        Binding("f5", "open_desk('day')", "日程", id="key.day"),
        Binding("f6", "open_desk('board')", "叫号", id="key.board"),
        Binding("f7", "open_desk('scan')", "扫码签到", id="key.scan"),
        Binding("f8", "open_desk('report')", "报表", id="key.report"),
        Binding("f9", "reprint", "重打", id="key.reprint"),
        Binding("f10", "unlock_staff", "解锁", id="key.staff"),  # S1: a warden's desk only
    ]

    language: reactive[Language] = reactive("zh")
    officer: reactive[str | None] = reactive(None)
    """Staff number of the officer signed in at this kiosk, or None."""

    settings: Settings
    db: Database
    """Both there from the start, or, for `KioskApp.starting`, once `ready` is True."""

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette's entries: each action the screen's keys reach now (those the
        footer shows and those it cuts off), named in the screen's language, key beside."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # the kiosk's own labelled keys only (not the table's cursor keys, in English)
            if not active.enabled or binding.id not in LABELS or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = self.get_key_display(binding)
            yield SystemCommand(f"{binding.description} · {shown}",  # "[f6]" would be markup
                                label("palette.help", self.language).format(key=shown),
                                lambda active=active: self.call_later(
                                    self.run_action, active.binding.action, active.node))

    def action_command_palette(self) -> None:
        """Ctrl+P: Textual's palette, asking in the screen's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette",
                                            placeholder=label("palette.search", self.language)))

    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        self._begin(settings.centre.name, settings.zone, clock, None)
        self.settings = settings
        self.db = db
        self.ready = True
        self.started.set()

    @classmethod
    def starting(cls, startup: Startup) -> KioskApp:
        """The kiosk as the `kiosk` command runs it: the sign-in screen at once, the settings
        and the database loaded in a thread after its first frame (kiosk/startup.py)."""
        app = cls.__new__(cls)
        preview = startup.preview
        app._begin(preview.centre_name, preview.zone, SystemClock(preview.zone), startup)
        return app

    def _begin(self, centre_name: str, zone: tzinfo, clock: Clock,
               startup: Startup | None) -> None:
        super().__init__()
        self.centre_name = centre_name
        self.zone = zone
        self.clock = clock
        self.officer_name = ""
        self.officer_role = ""
        self.last_input = monotonic()
        self.title = centre_name
        self.ready = False
        """True when the settings and the database are there: a sign-in can be checked."""
        self.started = asyncio.Event()
        """Set when the start-up has ended, ready or failed (tests and the bench wait on it)."""
        self.startup_failure: StartupFailure | None = None
        self._startup = startup

    # --- start-up: the domain loads while the officer types (kiosk/startup.py) ---------------

    class Started(Message):
        """From the start-up thread: what it loaded, or why the kiosk cannot start."""

        def __init__(self, outcome: Loaded | StartupFailure) -> None:
            super().__init__()
            self.outcome = outcome

    def on_ready(self) -> None:
        """The first frame is on the terminal: load the rest behind it."""
        if self._startup is not None and not self.started.is_set():
            self._load()

    @work(thread=True, exit_on_error=False, group="start-up")
    def _load(self) -> None:
        try:
            outcome: Loaded | StartupFailure = self._startup.load()
        except StartupFailure as failure:
            outcome = failure
        self.post_message(self.Started(outcome))  # thread-safe; ignored once the app has gone

    def on_kiosk_app_started(self, message: Started) -> None:
        outcome = message.outcome
        if isinstance(outcome, StartupFailure):
            self.startup_failure = outcome  # the command prints it after the screen is gone
            self.started.set()
            if outcome.damaged:  # E4: told on the screen; the database is never handed over
                from kiosk.screens.damaged import DamagedScreen

                self.push_screen(DamagedScreen(*outcome.damaged))
                return
            self.exit(return_code=outcome.code)
            return
        self.settings, self.db, self.clock = outcome.settings, outcome.db, outcome.clock
        self.ready = True
        self.started.set()
        sign_in = self.screen_stack[0]
        if isinstance(sign_in, SignInScreen):
            sign_in.started()

    # --- idle lock: a desk left signed in locks itself (security.idle_lock_minutes) -----------

    def on_mount(self) -> None:
        self.set_interval(15, self.lock_if_idle)
        self._watch_terminal()

    # --- a closed terminal ends the kiosk (tmux killed, ssh dropped) --------------------------

    def _watch_terminal(self) -> None:
        """When the desk's terminal goes away, end as Ctrl+Q does: what was saved stays saved,
        the audit head is anchored (kiosk/cli.py). A hung-up terminal reads as endless end of
        input, and Textual's input thread would spin on it at full CPU; the kernel's SIGHUP
        does not always come (`make run` in a tmux that is killed: the kiosk is not the
        session leader), so the terminal is also checked every two seconds."""
        from textual.drivers.linux_driver import LinuxDriver

        if not isinstance(self._driver, LinuxDriver):  # tests, the browser (kiosk serve)
            return
        import signal

        fileno = self._driver.fileno
        self.set_interval(2, lambda: self._terminal_gone(fileno) and self._hang_up())
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)

    @staticmethod
    def _terminal_gone(fileno: int) -> bool:
        import termios

        try:
            termios.tcgetattr(fileno)
        except (termios.error, OSError):
            return True
        return False

    def _hang_up(self) -> None:
        import logging

        line = "terminal closed: the kiosk ended as by Ctrl+Q (终端已关闭，终端程序已退出)"
        logging.getLogger(__name__).warning(line)
        if self.ready:  # said in kiosk.log beside the database, as the start's file checks are
            from pathlib import Path

            from booking.files import LOG_NAME, note

            path = self.db.execute("PRAGMA database_list").fetchone()[2]
            if path:
                note(Path(path).parent / LOG_NAME, [line], self.clock)
        self.exit(return_code=HUNG_UP)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.last_input = monotonic()
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        """Sign the officer out after the configured minutes without a key or a click."""
        idle = monotonic() - self.last_input
        if self.officer is not None and idle >= self.settings.security.idle_lock_minutes * 60:
            self.action_sign_out()
            say(self, ("无操作已自动退出，请重新登录", "Signed out after inactivity: sign in again"),
                timeout=30)

    @property
    def desk(self) -> Desk:
        """The use cases bound to this desk's database, clock, settings and the officer
        signed in (issue 13): screens call `app.desk.book(...)`."""
        from booking.desk import Desk

        return Desk(self.db, self.clock, self.settings, self.officer)

    def get_default_screen(self) -> Screen:
        return SignInScreen()

    def watch_language(self, language: Language) -> None:
        relabel_bindings(self, language)
        self.refresh_bindings()
        relanguage(self, language)  # toasts still on screen follow F2

    def watch_officer(self) -> None:
        self.refresh_bindings()  # sign-out is offered only to someone signed in

    def action_toggle_language(self) -> None:
        self.language = other(self.language)

    def start_shift(self, member: StaffMember) -> None:
        """After a sign-in: remember who, open the desk (a warden's desk is the report)."""
        self.officer_name = member.name
        self.officer_role = member.role  # before officer: the header reads it on that change
        self.officer = member.staff_no
        if member.role == "warden":
            self.action_open_desk("report")
        else:
            from kiosk.screens.verify import VerifyScreen

            self.push_screen(VerifyScreen())

    # --- the desk's screens, opened by function keys (see BINDINGS) -------------------------
    # Each factory imports its screen lazily so start-up stays fast.

    def action_open_desk(self, name: str) -> None:
        """Switch to one of the desk's screens: the screens never stack up, so one Esc is
        always enough to get home (the verify screen; a warden's report)."""
        from kiosk.screens import desk_screen

        screen = desk_screen(name)
        if screen is None or type(self.screen) is type(screen):
            return  # already there (a screen's own key, like F8 on the report, refreshes)
        self.go_home()
        if type(self.screen) is not type(screen):
            self.push_screen(screen)

    def meeting_screen(self, booking_id: int) -> Screen:
        """The meeting desk of a booking (loaded here, so the offers screen and the meeting
        desk never import each other)."""
        from kiosk.screens.meeting import MeetingScreen

        return MeetingScreen(booking_id)

    def offers_screen(self, request_id: int, *, lawyer_present: bool = False) -> Screen:
        """The offers of a request (B6), for the meeting desk's release (B10)."""
        from kiosk.screens.offers import OffersScreen

        return OffersScreen(request_id, lawyer_present=lawyer_present)

    def go_home(self) -> None:
        """Esc on any desk screen: straight back to the home screen in one press."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    # --- printing (kiosk/printing.py runs the printer in a worker) ---------------------------

    def print_booking(self, booking_id: int) -> None:
        """Print the queue ticket or booking slip (and 情况说明) of a booking just made."""
        from kiosk.printing import print_booking

        print_booking(self, booking_id)

    def print_consent(self, request_id: int, room_id: str, start) -> None:
        """Print the interrogation-room consent form for the lawyer to sign (B5)."""
        from kiosk.printing import print_consent

        print_consent(self, request_id, room_id, start)

    def action_reprint(self) -> None:
        """F9: print again what failed last at this kiosk's printer (T4)."""
        from kiosk.printing import reprint_last_failure

        reprint_last_failure(self)

    def action_unlock_staff(self) -> None:
        """S1: F10, a warden unlocks a staff account locked by wrong PINs (audited, as
        `kiosk staff unlock`); shown in the footer of a warden's desk screens."""
        from kiosk.i18n import label
        from kiosk.screens.staff_dialog import StaffDialog

        def unlocked(staff_no: str | None) -> None:
            if staff_no:
                say(self, tuple(label("staff.unlocked", language).format(staff_no=staff_no)
                                for language in ("zh", "en")), timeout=10)

        if not isinstance(self.screen, StaffDialog):
            self.push_screen(StaffDialog(), unlocked)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sign_out", "open_desk", "reprint"):  # the desk's screens need a sign-in
            return self.officer is not None
        if action == "unlock_staff":  # a warden only (the use case checks the role too)
            return self.officer is not None and self.officer_role == "warden"
        return True

    async def action_quit(self) -> None:
        """Ctrl+Q: a desk nobody is signed in to closes at once; a signed-in desk asks first
        (B11: one stray key never ends a shift), Enter closes it, Esc stays."""
        if self.startup_failure is not None:  # the damaged-database screen (E4)
            self.exit(return_code=self.startup_failure.code)
            return
        if self.officer is None:
            self.exit()
            return
        from kiosk.i18n import label
        from kiosk.screens.record_dialog import RecordDialog

        def record(language: Language) -> str:
            return label("record.quit", language).format(name=self.officer_name)

        def confirmed(sure: bool | None) -> None:
            if sure:
                self.exit()

        if not isinstance(self.screen, RecordDialog):
            self.push_screen(RecordDialog("record.quit_title", record), confirmed)

    def action_sign_out(self) -> None:
        """Back to the sign-in screen; the desk's screens and what was typed on them go."""
        self.officer = None
        self.officer_name = ""
        self.officer_role = ""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        sign_in = self.screen_stack[0]
        if isinstance(sign_in, SignInScreen):
            sign_in.reset()
