"""Messages to the officer in both languages, and the one place use-case errors become them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from textual.widgets import Static

from booking.errors import DomainError
from kiosk.i18n import Language, label, other

T = TypeVar("T")
log = logging.getLogger(__name__)


class Notice(Static):
    """A message in both languages, the current one first; empty when there is none."""

    DEFAULT_CLASSES = "notice"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._text: dict[Language, str] | None = None
        self._language: Language = "zh"
        self._shown = ""

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

    @property
    def text(self) -> str:
        """What is shown, both languages (empty when nothing is): for tests and logs."""
        return self._shown

    def _set_language(self, language: Language) -> None:
        self._language = language
        self._render_text()

    def _render_text(self) -> None:
        if self._text is None:
            self._shown = ""
        else:
            first, second = self._text[self._language], self._text[other(self._language)]
            self._shown = first if first == second else f"{first}\n{second}"
        self.update(self._shown)
        self.display = bool(self._shown)


def attempt(notice: Notice, use_case: Callable[..., T], *args) -> T | None:
    """Run a use case; on any error show it on the notice and return None.

    The domain's errors carry their own bilingual text; anything else is a fault of ours,
    logged with its traceback, and the officer sees that nothing was saved (use cases
    write in one transaction, so that is true).
    """
    try:
        return use_case(*args)
    except DomainError as exc:
        notice.show(exc.zh, exc.en)
    except Exception as exc:
        from pydantic import ValidationError  # loaded by then; not before the first screen

        if not isinstance(exc, ValidationError):
            log.exception("use case %s failed", getattr(use_case, "__name__", use_case))
            notice.show(label("error.unexpected", "zh"), label("error.unexpected", "en"))
            return None
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in exc.errors())
        notice.show(label("error.invalid_input", "zh") + fields,
                    label("error.invalid_input", "en") + fields)
    return None
