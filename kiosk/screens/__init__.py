"""The kiosk's screens. The desk's screens are opened by name (function keys in the app)."""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

# name -> (module, class): screens opened from anywhere on the desk.
DESK_SCREENS: dict[str, tuple[str, str]] = {}


def desk_screen(name: str) -> Screen | None:
    entry = DESK_SCREENS.get(name)
    if entry is None:
        return None
    module, cls = entry
    return getattr(import_module(module), cls)()
