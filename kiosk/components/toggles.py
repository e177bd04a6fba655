"""Check boxes and radio buttons that read without colour (issue 12).

Textual draws a ticked and an unticked box with the same glyph in two colours; the kiosk's
show their state in the glyph itself: ☐ / ☑ for a check box, ○ / ◉ for a radio button. A
monochrome terminal, a colour-blind officer and a screenshot all read them the same.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton


class _Glyphs:
    """The toggle's state in its glyph: GLYPHS[False] off, GLYPHS[True] on."""

    GLYPHS: tuple[str, str]

    @property
    def _button(self) -> Content:
        return Content.assemble((self.GLYPHS[bool(self.value)],
                                 self.get_visual_style("toggle--button")))


class Tick(_Glyphs, Checkbox):
    """A check box: ☐ unticked, ☑ ticked."""

    GLYPHS = ("☐", "☑")


class Choice(_Glyphs, RadioButton):
    """A radio button: ○ not chosen, ◉ chosen."""

    GLYPHS = ("○", "◉")
