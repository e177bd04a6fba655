"""From a request to the screen its next step is on: the authority's permission (P2), the
meeting desk of its live booking, or the offers (issue 13: apart from the offers screen, so
the offers and the meeting desk do not import each other)."""

from __future__ import annotations

from datetime import datetime

from textual.app import App

from kiosk.components.booking_text import state_name
from kiosk.components.header import local_time
from kiosk.components.notice import Notice
from kiosk.components.toast import say
from kiosk.i18n import label
from kiosk.screens.dialogs import PermissionDialog
from kiosk.screens.meeting import MeetingScreen
from kiosk.screens.offers import OffersScreen


def open_request(app: App, notice: Notice, request_id: int, *,
                 lawyer_present: bool = False) -> None:
    """A request's next step: the permission (P2), its booking's meeting desk, or offers.
    lawyer_present: opened from the verify screen, the lawyer standing at the desk; from
    anywhere else (the watch list, a permission just recorded) a "now" booking first asks."""
    with notice.refusals() as outcome:
        card = app.desk.request_card(request_id)
    if outcome.refused:
        return
    if card.state == "awaiting_permission":
        def decided(row: dict | None) -> None:
            if row is None:
                return
            if row["lawyer_told_how"] == "printed":  # P2: the lawyer is at the desk
                from kiosk.printing import print_permission_notice

                print_permission_notice(app, request_id)
            else:
                say(app, (label("permission.to_notify_note", "zh"),
                          label("permission.to_notify_note", "en")), severity="warning")
            if row["state"] == "open":
                deadline = datetime.fromisoformat(row["deadline"]).astimezone(app.settings.zone)
                say(app, tuple(f"{label('permission.granted_note', lang)}"
                               f" {local_time(deadline, lang)}" for lang in ("zh", "en")))
                app.push_screen(OffersScreen(request_id))
            else:
                say(app, (label("permission.refused_note", "zh"),
                          label("permission.refused_note", "en")), severity="warning")
                closed = getattr(app.screen, "request_closed", None)
                if closed is not None:  # the verify screen: nothing left to book
                    closed()

        app.push_screen(PermissionDialog(card), decided)
    elif card.live_booking_id is not None:
        app.push_screen(MeetingScreen(card.live_booking_id))
    elif card.state == "open":
        app.push_screen(OffersScreen(request_id, lawyer_present=lawyer_present))
    else:
        notice.show(f"{label('offers.closed_request', 'zh')}{state_name(card.state, 'zh')}",
                    f"{label('offers.closed_request', 'en')}{state_name(card.state, 'en')}")
