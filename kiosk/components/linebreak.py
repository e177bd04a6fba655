"""No line of screen text starts with closing punctuation (issue 12).

Textual wraps text with Rich's `divide_line`, which folds a long run of Chinese anywhere, so
a toast or notice could put a lone "。" (or "，", "）"…) at the head of a line. `install()`
wraps that function (where Textual's Content and Rich's Text look it up) with the Chinese
line-breaking rule, 避头点: when a line would open with closing punctuation, the character
before it goes down with it, and the rest of the paragraph is wrapped again from there, so
every line still fits its width.
"""

from __future__ import annotations

from collections.abc import Callable

import rich.text
import textual.content

CLOSING = frozenset("。，、；：！？）」』】〕〉》〗〙〛”’％…‥・·～ー.,;:!?)]}%")
"""Punctuation that never opens a line (Chinese and the ASCII marks that close a phrase)."""

Divide = Callable[..., list[int]]


def keep_closing_punctuation(divide: Divide) -> Divide:
    """`divide` (Rich's `divide_line`: text, width, fold → offsets where lines start) with
    no line starting with closing punctuation."""
    if getattr(divide, "keeps_closing_punctuation", False):
        return divide

    def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
        offsets = list(divide(text, width, fold))
        index = 0
        while index < len(offsets):
            start = offsets[index]
            line_start = offsets[index - 1] if index else 0
            moved = start
            while moved - 1 > line_start and moved < len(text) and text[moved] in CLOSING:
                moved -= 1
            if moved == start or text[moved] in CLOSING:
                index += 1  # fine, or a line of nothing but punctuation: leave it
                continue
            rest = divide(text[moved:], width, fold)
            offsets = offsets[:index] + [moved] + [moved + offset for offset in rest]
            index += 1
        return offsets

    divide_line.keeps_closing_punctuation = True  # type: ignore[attr-defined]
    return divide_line


def install() -> None:
    """Apply the rule to every text Textual and Rich wrap in this process (idempotent)."""
    for module in (textual.content, rich.text):
        divide = getattr(module, "divide_line", None)
        if divide is not None:  # a later Textual may wrap elsewhere: test_line_breaks says so
            module.divide_line = keep_closing_punctuation(divide)
