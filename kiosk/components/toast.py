"""Toasts in one language (issue 12): the screen's language, and the other one after F2.

`say` raises a Textual notification whose text is the current language's half of a (zh, en)
pair, and keeps the pair: when the officer switches the language, every toast still on
screen is rewritten (`relanguage`). It returns the Notification, so that a caller can take
away that one toast (`withdraw`: the printer fault's toast when the reprint works) and leave
the others. Paper stays bilingual; that is the printers' business, not this module's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from textual.notifications import Notification, Notify, SeverityLevel
from textual.widgets._toast import Toast  # Textual has no public name for the toast widget

from kiosk.i18n import Language

if TYPE_CHECKING:
    from textual.app import App

Pair = tuple[str, str]
"""(zh, en)."""

_said: WeakKeyDictionary[App, dict[str, tuple[Pair, Pair | None]]] = WeakKeyDictionary()


def one(text: Pair, language: Language) -> str:
    """The half of a (zh, en) pair the screen's language reads."""
    return text[0] if language == "zh" else text[1]


def split_pair(text: str) -> Pair:
    """A bilingual string "中文 / English" (as the printers' warnings are) as (zh, en); a
    string without the separator is the same in both."""
    zh, separator, en = text.partition(" / ")
    return (zh, en) if separator else (text, text)


def say(app: App, text: Pair, *, title: Pair | None = None,
        severity: SeverityLevel = "information", timeout: float | None = None) -> Notification:
    """Show a toast in the app's language; return it (for `withdraw`)."""
    language: Language = getattr(app, "language", "zh")
    notification = Notification(one(text, language), one(title, language) if title else "",
                                severity, app.NOTIFICATION_TIMEOUT if timeout is None
                                else timeout, markup=False)
    _said.setdefault(app, {})[notification.identity] = (text, title)
    app.post_message(Notify(notification))
    return notification


def withdraw(app: App, notification: Notification) -> None:
    """Take away one toast (and only it): the others stay."""
    _said.get(app, {}).pop(notification.identity, None)
    app._unnotify(notification)  # Textual's own way to forget one notification


def relanguage(app: App, language: Language) -> None:
    """F2: every toast still shown is rewritten in `language`."""
    said = _said.get(app)
    if not said:
        return
    live = {notification.identity: notification for notification in app._notifications}
    for identity in list(said):
        notification = live.get(identity)
        if notification is None:  # expired or clicked away
            del said[identity]
            continue
        text, title = said[identity]
        notification.message = one(text, language)
        notification.title = one(title, language) if title else ""
    for screen in app.screen_stack:
        for toast in screen.query(Toast):
            toast.refresh(layout=True)
