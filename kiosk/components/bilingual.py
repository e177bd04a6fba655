"""Switching what is on screen between Chinese and English, from the label table."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, Static

from kiosk.i18n import LABELS, Language, label

if TYPE_CHECKING:  # the first screen shows before pydantic and the domain are imported
    from booking.settings import Settings

W = TypeVar("W", bound=Widget)


def room_name(settings: Settings, name: str, language: Language) -> str:
    """A room as the screen's language names it: the configured name in Chinese, its
    `name_en` in English (booking/settings.py Room); a room no longer configured keeps the
    name it was booked under."""
    if language == "en":
        for room in settings.rooms:
            if room.name == name:
                return room.name_en
    return name


def labelled(widget: W, key: str) -> W:
    """Mark a widget as showing the label `key`; translate() keeps it in the current language."""
    widget.label_key = key  # type: ignore[attr-defined]
    return widget


def _relabel(widget: Widget, text: str) -> None:
    if isinstance(widget, Input):
        widget.placeholder = text
    elif isinstance(widget, Button | Checkbox | RadioButton):
        widget.label = text
    elif isinstance(widget, Static):
        widget.update(text)


def relabel_bindings(node: DOMNode, language: Language) -> None:
    """Footer descriptions of bindings whose id is a label key follow the language.

    Textual has no public way to change a binding's description, so the node's own
    binding map (a per-instance copy) is rewritten; ids keep working for keymaps.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=label(b.id, language)) if b.id in LABELS else
            replace(b, description=label("key.palette", language))
            if b.action == "command_palette" else b  # Textual's own, which has no id
            for b in bindings
        ]


def translate(root: DOMNode, language: Language) -> None:
    """Relabel every marked widget under root, and root's own bindings."""
    for widget in root.query("*"):
        key = getattr(widget, "label_key", None)
        if key:
            _relabel(widget, label(key, language))
    relabel_bindings(root, language)
