"""The kiosk's screens. The desk's screens are opened by name (function keys in the app)."""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

# name -> (module, class): screens opened from anywhere on the desk.
DESK_SCREENS: dict[str, tuple[str, str]] = {
    "watch": ("kiosk.screens.watch", "WatchScreen"),  # F4: open requests, 48 h countdown (C5, P2)
    "day": ("kiosk.screens.day_view", "DayViewScreen"),  # F5: rooms x time for a date (B2, B4)
    "report": ("kiosk.screens.report", "ReportScreen"),  # F8; a warden's desk (R1-R3)
    "board": ("kiosk.screens.board", "BoardScreen"),  # F6: now serving, call next (T3)
    "scan": ("kiosk.screens.scan", "ScanScreen"),  # F7: QR check-in (Q1-Q4, B7)
}


def desk_screen(name: str) -> Screen | None:
    entry = DESK_SCREENS.get(name)
    if entry is None:
        return None
    module, cls = entry
    return getattr(import_module(module), cls)()
