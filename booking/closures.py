"""B2: closing a date that already has bookings. The closure is refused while the date has
live bookings (calendar.refuse_closure_over_bookings); this module moves them: in one
transaction it closes the date and books each of its meetings again by the same rules
(the earliest time before the request's deadline, from an hour after now, so the lawyer
can be told), leaving the old booking cancelled. When one of them finds no time before
its deadline nothing is changed and the officer is told to add a duty session first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .calendar import (
    BookedMeeting,
    OpeningCalendar,
    _check_day_ahead,
    live_bookings_on,
    write_officer_entry,
)
from .clock import Clock, FixedClock
from .errors import DomainError
from .meetings import Offer, _offers, place_booking
from .settings import Settings
from .storage import one, transaction

NOTICE = timedelta(hours=1)  # a moved meeting starts no sooner: the lawyer must be told


class Moved(BaseModel):
    """One booking moved off a closed date."""

    model_config = ConfigDict(frozen=True)

    before: BookedMeeting
    new_booking_id: int
    start: datetime
    room_id: str


def _not_before(clock: Clock, grid_minutes: int) -> datetime:
    soon = clock.now().replace(second=0, microsecond=0) + NOTICE
    late = soon.minute % grid_minutes
    return soon + timedelta(minutes=(grid_minutes - late) % grid_minutes)


def _choose(offers: list[Offer], kind: str) -> Offer | None:
    """The same kind of room; an interrogation-room meeting goes to a meeting room when one
    is free in time, otherwise to an interrogation room (the lawyer's consent was given for
    this meeting, B5)."""
    by_kind = {o.room_kind: o for o in offers}
    if kind == "interrogation":
        meeting = by_kind.get("meeting")
        if meeting and meeting.before_deadline:
            return meeting
    return by_kind.get(kind)


def close_and_move(db: Database, clock: Clock, settings: Settings, officer: str, day: date,
                   reason: str) -> list[Moved]:
    """B2: close `day` (with the reason) and move every live booking on it to the earliest
    time before its deadline, most urgent deadline first. One transaction: all moved and the
    date closed, or nothing changed (DomainError naming the booking that cannot move)."""
    _check_day_ahead(clock, day)
    reason = reason.strip()
    if not reason:
        raise DomainError("B2", "请填写停止会见的原因", "give the reason for the closure")
    moved: list[Moved] = []
    with transaction(db):
        booked = live_bookings_on(db, clock, day)
        started = [b for b in booked if b.state != "booked"]
        if started:
            listed = "\n".join(b.line() for b in started)
            raise DomainError("B2", f"{day}已有律师到场或会见进行中，不能停止会见：\n{listed}",
                              f"on {day} a lawyer has arrived or a meeting is under way:"
                              f" the date cannot be closed:\n{listed}")
        write_officer_entry(db, clock, officer, day, "closed", None, reason)
        calendar = OpeningCalendar.from_settings(db, settings)
        seen_from = FixedClock(_not_before(clock, settings.meetings.grid_minutes), clock.zone)
        for before in sorted(booked, key=lambda b: (b.deadline, not b.priority, b.booking_id)):
            moved.append(_move(db, clock, seen_from, calendar, officer, day, reason, before))
    return moved


def _move(db: Database, clock: Clock, seen_from: Clock, calendar: OpeningCalendar,
          officer: str, day: date, reason: str, before: BookedMeeting) -> Moved:
    row = one(db, "SELECT * FROM bookings WHERE id = ?", (before.booking_id,))
    db.execute("UPDATE bookings SET state = 'cancelled', closed_by = ? WHERE id = ?",
               (officer, before.booking_id))
    db.execute("UPDATE meeting_requests SET state = 'open' WHERE id = ?", (before.request_id,))
    request = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (before.request_id,))
    length = (row["end_ts"] - row["start_ts"]) // 60
    offers = _offers(db, seen_from, calendar, request, length, before.room_kind == "video")
    offer = _choose(offers, before.room_kind)
    if offer is None or not offer.before_deadline:
        raise DomainError(
            "B2", f"预约#{before.booking_id}（{before.lawyer_name}）在48小时期限"
                  f"{before.deadline:%m-%d %H:%M}前无法改期：请先增加值班会见，再停止会见",
            f"booking #{before.booking_id} ({before.lawyer_name}) finds no time before its"
            f" deadline {before.deadline:%m-%d %H:%M}: add a duty session first, then close"
            " the date")
    new_id = place_booking(
        db, clock, calendar, officer, before.request_id, offer.room_id, offer.start, length,
        delay_reason="other", delay_text=f"本所{day}停止会见（{reason}），原预约改期",
        consent_signed=offer.room_kind == "interrogation", priority=before.priority)
    audit.record(db, clock, officer, "move_booking", f"booking:{before.booking_id}", {
        "to": new_id, "closure": day.isoformat(), "start": offer.start.isoformat(),
        "room": offer.room_id})
    return Moved(before=before, new_booking_id=new_id, start=offer.start, room_id=offer.room_id)
