"""Messages to the officer in both languages, and the one place use-case errors become them."""

from __future__ import annotations

import logging

from textual.widgets import Static

from booking.errors import DomainError
from kiosk.i18n import Language, label, other

log = logging.getLogger(__name__)


class Notice(Static):
    """A message kept in both languages and shown in the screen's (F2 switches it, issue 12);
    empty when there is none."""

    DEFAULT_CLASSES = "notice"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._text: dict[Language, str] | None = None
        self._language: Language = "zh"
        self._shown = self._both = ""

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)

    def show(self, zh: str, en: str, kind: str = "error") -> None:
        self._text = {"zh": zh, "en": en}
        self.set_class(kind == "error", "-error")
        self.set_class(kind == "info", "-info")
        self._render_text()

    def clear(self) -> None:
        self._text = None
        self.remove_class("-error", "-info")
        self._render_text()

    def refusals(self) -> Refusals:
        """Run use cases inside `with notice.refusals():`: what refuses is shown here."""
        return Refusals(self)

    @property
    def text(self) -> str:
        """The message in both languages, the screen's first (empty when there is none): for
        logs and tests. The screen shows only its own language (`shown`, issue 12)."""
        return self._both

    @property
    def shown(self) -> str:
        """What the screen shows: the message in the screen's language."""
        return self._shown

    def _set_language(self, language: Language) -> None:
        self._language = language
        self._render_text()

    def _render_text(self) -> None:
        if self._text is None:
            self._shown = self._both = ""
        else:
            first, second = self._text[self._language], self._text[other(self._language)]
            self._shown = first
            self._both = first if first == second else f"{first}\n{second}"
        self.update(self._shown)
        self.display = bool(self._shown)


class Refusals:
    """`with notice.refusals() as outcome:` around use-case calls. A refusal (the domain's
    DomainError, with its own bilingual text) or invalid input is shown on the notice; any
    other error is a fault of ours, logged with its traceback, and the officer sees that
    nothing was saved (use cases write in one transaction, so that is true). Either way the
    rest of the block is skipped and `outcome.refused` is True afterwards, so a use case that
    returns None means only "nothing" (nobody waiting, no ticket), never "failed"."""

    def __init__(self, notice: Notice) -> None:
        self.notice = notice
        self.refused = False

    def __enter__(self) -> Refusals:
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False  # nothing to say, or a cancellation / exit: let it go
        self.refused = True
        if isinstance(exc, DomainError):
            self.notice.show(exc.zh, exc.en)
            return True
        from pydantic import ValidationError  # loaded by then; not before the first screen

        if not isinstance(exc, ValidationError):
            log.error("use case failed", exc_info=(kind, exc, traceback))
            self.notice.show(label("error.unexpected", "zh"), label("error.unexpected", "en"))
            return True
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in exc.errors())
        self.notice.show(label("error.invalid_input", "zh") + fields,
                         label("error.invalid_input", "en") + fields)
        return True
