"""The keys line at the foot of every desk screen: Textual's Footer, rebuilt only when what it
shows changes.

Textual rebuilds the whole footer (a widget per key, each restyled) whenever the screen says
its bindings may have changed, which it says on every focus move: on the verify form that is
every Tab and every Enter. The kiosk's keys change only with the screen's state (a passed
check offers F3, a meeting in progress offers end, ...) and the language; so the footer keeps
what it shows and is rebuilt only when a key, its label, its tooltip or whether it is enabled
differs.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KioskFooter(Footer):
    _shown: tuple | None = None

    @staticmethod
    def _keys(screen: Screen) -> tuple:
        return tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                     for _node, binding, enabled, tooltip in screen.active_bindings.values()
                     if binding.show or binding.action == "command_palette")

    def bindings_changed(self, screen: Screen) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # nothing is rebuilt now; nothing is kept either
            return
        keys = self._keys(screen)
        if keys == self._shown and self._bindings_ready:
            return
        self._shown = keys
        super().bindings_changed(screen)
