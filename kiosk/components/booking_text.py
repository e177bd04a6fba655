"""How a booking, its room, its time and its state read on the desk's screens (offers,
meeting desk, watch list, day view), in one language at a time."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from booking.meetings import DELAY_REASONS, Booking
from booking.settings import Settings
from kiosk.components.bilingual import room_name
from kiosk.components.header import local_time
from kiosk.i18n import Language, label

if TYPE_CHECKING:
    from textual.app import App


def span(start: datetime, end: datetime, zone: tzinfo, language: Language) -> str:
    """'2026-11-24 周二 09:00–10:00'."""
    return f"{local_time(start.astimezone(zone), language)}–{end.astimezone(zone):%H:%M}"


def room_kind(kind: str, language: Language) -> str:
    return label(f"room.{kind}", language)


def room_text(settings: Settings, room_id: str, name: str, language: Language) -> str:
    """'会见室1 (M1)'; 'Meeting room 1 (M1)' in English (the room's name_en)."""
    return f"{room_name(settings, name, language)} ({room_id})"


def state_name(state: str, language: Language) -> str:
    return label(f"state.{state}", language)


def delay_reason_text(booking: Booking, language: Language) -> str:
    zh, en = DELAY_REASONS.get(booking.delay_reason or "", (booking.delay_reason, booking.delay_reason))
    text = zh if language == "zh" else en
    colon = "：" if language == "zh" else ": "
    return f"{text}{colon}{booking.delay_text}" if booking.delay_text else text


def booking_lines(app: App, booking: Booking, language: Language) -> list[str]:
    """What the desk says about a booking: room and time, why not now, the deadline."""
    zone = app.settings.zone
    names = {room.id: room.name for room in app.desk.rooms()}
    lines = [f"{label('booking.number', language)} #{booking.id} · "
             f"{room_text(app.settings, booking.room_id, names.get(booking.room_id, ''), language)}"
             f" · {span(booking.start, booking.end, zone, language)}"
             f" · {state_name(booking.state, language)}"]
    ticket = app.desk.ticket(booking.id)
    if ticket is not None:  # T1: queued (at once for a meeting now, C2; else by a scan)
        printed = (f" · ✔ {label('booking.ticket_printed', language)}" if ticket.printed_at
                   and not ticket.print_error else
                   f" · ✘ {label('booking.ticket_not_printed', language)}"
                   if ticket.print_error else "")
        lines.append(f"{label('booking.queue', language)} {ticket.label}{printed}")
    if booking.immediate and ticket is None and booking.state == "booked":
        # booked "now" with the lawyer away from the desk: the room is held, B10 applies
        lines.append(label("booking.immediate_absent", language).format(
            minutes=app.settings.meetings.late_minutes))
    elif booking.immediate:
        lines.append(label("booking.immediate", language))
    elif booking.deferred_by_lawyer and booking.earliest_offer_at is not None:
        earliest = local_time(booking.earliest_offer_at.astimezone(zone), language)
        lines.append(f"{label('booking.deferred', language)} {earliest}")
    else:
        lines.append(f"{label('booking.explanation', language)}"
                     f"{'：' if language == 'zh' else ': '}{delay_reason_text(booking, language)}")
    if booking.room_kind == "interrogation" and booking.consent_at is not None:
        lines.append(label("booking.consent", language))
    if booking.priority:
        lines.append(label("booking.priority", language))
    lines.append(f"{label('offers.deadline', language)}"
                 f" {local_time(booking.deadline.astimezone(zone), language)}")
    return lines
