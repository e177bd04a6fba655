"""Steps shared by the printer tests: a booking made through the real use cases."""

from __future__ import annotations

from datetime import datetime

from support import OFFICER, presentation

from booking.clock import SHANGHAI
from booking.meetings import Booking, book
from booking.settings import Printer, Settings
from booking.verification import verify_documents


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def booking_at(db, clock, settings: Settings, start: datetime, room: str = "M1", *,
               reason: str = "rooms_busy", reason_text: str = "", **changes) -> Booking:
    """王建国 for 李四 (or as changed), verified now and booked at start with a reason."""
    request = verify_documents(db, clock, OFFICER, presentation(**changes)).request
    if start == clock.now():
        reason = None
    return book(db, clock, settings, OFFICER, request.id, room, start, delay_reason=reason,
                delay_text=reason_text)


def printer_config(settings: Settings, **changes) -> Printer:
    return settings.printer.model_copy(update=changes)
