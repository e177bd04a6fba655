"""The top line of every screen: centre, screen title, officer on duty, time in the centre."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.i18n import Language, label

WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def local_time(moment: datetime, language: Language) -> str:
    """A moment as the centre reads it, e.g. '2026-11-24 周二 09:00'."""
    return f"{moment:%Y-%m-%d} {WEEKDAYS[language][moment.weekday()]} {moment:%H:%M}"


class KioskHeader(Horizontal):
    """Reads the centre, officer and clock from the app (KioskApp: centre_name, zone, clock,
    officer, before its settings are loaded too); the title is a label key."""

    def __init__(self, title_key: str) -> None:
        super().__init__(id="header")
        self.title_key = title_key
        self._title = Static(id="header-title", markup=False)
        self._status = Static(id="header-status", markup=False)

    def compose(self) -> ComposeResult:
        yield Static(self.app.centre_name, id="header-centre", markup=False)
        yield self._title
        yield self._status

    def on_mount(self) -> None:
        self.watch(self.app, "language", self.refresh_text)
        self.watch(self.app, "officer", self.refresh_text)
        # The clock is the app's (fixed in tests); a tick only re-reads it.
        self.set_interval(1, self.refresh_text)

    def refresh_text(self) -> None:
        app = self.app
        language = app.language
        now = app.clock.now().astimezone(app.zone)
        role = "header.warden" if getattr(app, "officer_role", "") == "warden" else \
            "header.officer"  # issue 12: the warden is labelled as warden
        officer = (f"{label(role, language)} {app.officer} {app.officer_name}"
                   if app.officer else label("header.not_signed_in", language))
        self._title.update(label(self.title_key, language))
        # Below 100 columns the year goes, so the time is never the part cut off (issue 12).
        when = local_time(now, language) if self.size.width >= 100 else \
            f"{now:%m-%d} {WEEKDAYS[language][now.weekday()]} {now:%H:%M}"
        self._status.update(f"{officer}  {when}")

    def on_resize(self) -> None:
        self.refresh_text()
