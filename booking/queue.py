"""Queue numbers (T1, T3, T4, B8, C2): one ticket per booking, numbered afresh each day, given
on arrival (a scan, or at once when a walk-in's meeting starts now), called in order
(deadlines at risk first, then priority, then arrival), and their print state."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from statistics import mean

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .calendar import OpeningCalendar
from .clock import Clock, iso, parse_iso
from .errors import DomainError, NotFound
from .meetings import (
    Booking,
    get_booking,
    mark_arrival,
    meeting_length,
    place_booking,
)
from .settings import Settings
from .states import LIVE_STATES, WAITING_STATES, in_list
from .storage import one, scalar, transaction

LABEL_PREFIX = "A"
RECENT_MEETINGS = 20  # T3: the estimate follows the last this many meetings
NOW_SERVING = 6       # T3: how many called numbers the board shows


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Ticket(_Model):
    id: int
    booking_id: int
    day: date
    number: int
    label: str
    priority: bool
    issued_at: datetime
    issued_by: str
    called_at: datetime | None
    called_by: str | None
    printed_at: datetime | None
    print_error: str | None


class Admission(_Model):
    """The lawyer is here and queued; repeat: the ticket existed already (Q4)."""

    ticket: Ticket
    repeat: bool


class DeskBooking(_Model):
    """A booking made with the lawyer at the desk; admission: the lawyer checked in and queued
    with it, when the meeting starts now (C2), else None (slip and 情况说明, scan on arrival)."""

    booking: Booking
    admission: Admission | None


class BoardEntry(_Model):
    label: str
    room_name: str
    priority: bool
    called_at: datetime | None = None
    wait_minutes: int | None = None


class Board(_Model):
    """T3: the now-serving board."""

    day: date
    called: list[BoardEntry]
    waiting: list[BoardEntry]
    typical_minutes: int


def label_for(number: int) -> str:
    """T1: A001, A002, ... (A1000 after A999)."""
    return f"{LABEL_PREFIX}{number:03d}"


def _ticket(row: dict, clock: Clock) -> Ticket:
    def when(text: str | None) -> datetime | None:
        return parse_iso(text, clock.zone) if text else None

    return Ticket(
        id=row["id"], booking_id=row["booking_id"], day=date.fromisoformat(row["day"]),
        number=row["number"], label=row["label"], priority=bool(row["priority"]),
        issued_at=when(row["issued_at"]), issued_by=row["issued_by"],
        called_at=when(row["called_at"]), called_by=row["called_by"],
        printed_at=when(row["printed_at"]), print_error=row["print_error"],
    )


def ticket_of(db: Database, clock: Clock, booking_id: int) -> Ticket | None:
    row = one(db, "SELECT * FROM tickets WHERE booking_id = ?", (booking_id,))
    return _ticket(row, clock) if row else None


def get_ticket(db: Database, clock: Clock, ticket_id: int) -> Ticket:
    row = one(db, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    if row is None:
        raise NotFound("T1", f"无此排队号{ticket_id}", f"no queue ticket {ticket_id}")
    return _ticket(row, clock)


def _issue(db: Database, clock: Clock, officer: str, booking_id: int) -> tuple[Ticket, bool]:
    """Inside a transaction: the booking's ticket, allocating the day's next number if it has
    none yet. Returns (ticket, created)."""
    existing = ticket_of(db, clock, booking_id)
    if existing:
        return existing, False
    booking = get_booking(db, clock, booking_id)
    now = clock.now()
    if booking.state not in WAITING_STATES:
        raise DomainError("T1", f"预约{booking_id}当前为“{booking.state}”，不能取号",
                          f"booking {booking_id} is {booking.state}: no queue number")
    if booking.start.date() != now.date():
        raise DomainError("T1", f"预约{booking_id}是{booking.start:%Y-%m-%d}的会见，只能在当天取号",
                          f"booking {booking_id} is for {booking.start:%Y-%m-%d}: queue numbers"
                          " are given on the day")
    day = now.date().isoformat()
    number = (scalar(db, "SELECT MAX(number) FROM tickets WHERE day = ?", (day,)) or 0) + 1
    try:
        ticket_id = db.table("tickets").insert({
            "booking_id": booking_id, "day": day, "number": number, "label": label_for(number),
            "priority": int(booking.priority), "issued_at": iso(now), "issued_by": officer,
        }).last_pk
    except sqlite3.IntegrityError as exc:  # only a writer outside BEGIN IMMEDIATE gets here
        raise DomainError("T1", "排队号分配冲突，请重试", f"queue number clash ({exc}): try again") \
            from None
    audit.record(db, clock, officer, "issue_ticket", f"booking:{booking_id}",
                 {"ticket": ticket_id, "label": label_for(number), "day": day})
    return get_ticket(db, clock, ticket_id), True


def issue_ticket(db: Database, clock: Clock, officer: str, booking_id: int) -> Ticket:
    """T1: the booking's queue ticket for today; asking again returns the same ticket."""
    with transaction(db):
        ticket, _ = _issue(db, clock, officer, booking_id)
    return ticket


def admit(db: Database, clock: Clock, settings: Settings, officer: str,
          booking_id: int) -> Admission:
    """The lawyer of a booking for today is at the desk (a scan, or key 1 on the meeting desk):
    mark the arrival (meetings.mark_arrival, which refuses a lawyer past the late limit, B10)
    and queue the booking (T1), in one transaction: a refusal (late, another day, a closed
    booking) records no arrival either. Safe to repeat: a booking is queued once (Q4); a
    booking marked arrived without its ticket (an older check_in) is queued by the next call."""
    existing = ticket_of(db, clock, booking_id)
    if existing:
        return Admission(ticket=existing, repeat=True)
    with transaction(db):
        mark_arrival(db, clock, settings, officer, booking_id)
        ticket, created = _issue(db, clock, officer, booking_id)
    return Admission(ticket=ticket, repeat=not created)


def book_at_desk(db: Database, clock: Clock, settings: Settings, officer: str, request_id: int,
                 room_id: str, start: datetime, length: int | None = None, *,
                 delay_reason: str | None = None, delay_text: str = "",
                 consent_signed: bool = False, priority: bool | None = None) -> DeskBooking:
    """meetings.book() for the lawyer standing at the desk. C2: a meeting that can start now is
    arranged now: the booking, the lawyer's arrival and the day's next queue number are
    written in one transaction, so a crash leaves all or none of them (and admit() completes a
    "now" booking made without its ticket). A later meeting is only booked: the lawyer gets
    the slip and the 情况说明 and scans the slip on arrival."""
    calendar = OpeningCalendar.from_settings(db, settings, remember=True)
    length = meeting_length(settings, length)
    with transaction(db):
        booking_id = place_booking(db, clock, calendar, officer, request_id, room_id, start,
                                   length, delay_reason=delay_reason, delay_text=delay_text,
                                   consent_signed=consent_signed, priority=priority)
        ticket = None
        if get_booking(db, clock, booking_id).immediate:
            mark_arrival(db, clock, settings, officer, booking_id)
            ticket, _ = _issue(db, clock, officer, booking_id)
    return DeskBooking(booking=get_booking(db, clock, booking_id),
                       admission=Admission(ticket=ticket, repeat=False) if ticket else None)


# --- calling and the board ------------------------------------------------------------------


def typical_meeting_minutes(db: Database, default_minutes: int) -> int:
    """T3: the mean length of the most recent meetings, or the configured length if none."""
    rows = db.execute("SELECT started_at, ended_at FROM bookings WHERE state = 'done'"
                      " AND started_at IS NOT NULL AND ended_at IS NOT NULL"
                      " ORDER BY ended_at DESC LIMIT ?", (RECENT_MEETINGS,)).fetchall()
    lengths = [(datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60
               for start, end in rows]
    return max(1, round(mean(lengths))) if lengths else default_minutes


def _waiting(db: Database, clock: Clock) -> list[dict]:
    day = clock.now().date().isoformat()
    return list(db.query(
        "SELECT t.*, b.deferred_by_lawyer, r.deadline, m.name AS room_name FROM tickets t"
        " JOIN bookings b ON b.id = t.booking_id JOIN meeting_requests r ON r.id = b.request_id"
        " JOIN rooms m ON m.id = b.room_id"
        f" WHERE t.day = ? AND t.called_at IS NULL AND b.state IN {in_list(WAITING_STATES)}"
        " ORDER BY t.number", (day, *WAITING_STATES)))


def _call_order(waiting: list[dict], now: datetime, margin: timedelta, clock: Clock) -> list[dict]:
    """B8: a ticket whose deadline falls within the next meeting's length goes first (earliest
    deadline first), so no priority ticket pushes anyone past their deadline; then priority
    tickets; then everyone else, in order of arrival. A deadline already past, or one the lawyer
    chose to pass (deferred), cannot be saved by calling early and does not jump the queue."""
    def at_risk(row: dict) -> bool:
        deadline = parse_iso(row["deadline"], clock.zone)
        return not row["deferred_by_lawyer"] and now <= deadline <= now + margin

    risky = sorted((r for r in waiting if at_risk(r)), key=lambda r: (r["deadline"], r["number"]))
    rest = sorted((r for r in waiting if not at_risk(r)),
                  key=lambda r: (not r["priority"], r["number"]))
    return risky + rest


def call_next(db: Database, clock: Clock, officer: str, *,
              default_minutes: int = 60) -> Ticket | None:
    """T3/B8: call the next waiting ticket; None when nobody is waiting."""
    with transaction(db):
        now = clock.now()
        margin = timedelta(minutes=typical_meeting_minutes(db, default_minutes))
        order = _call_order(_waiting(db, clock), now, margin, clock)
        if not order:
            return None
        chosen = order[0]
        db.execute("UPDATE tickets SET called_at = ?, called_by = ? WHERE id = ?",
                   (iso(now), officer, chosen["id"]))
        audit.record(db, clock, officer, "call_ticket", f"booking:{chosen['booking_id']}",
                     {"ticket": chosen["id"], "label": chosen["label"],
                      "priority": bool(chosen["priority"])})
    return get_ticket(db, clock, chosen["id"])


def board(db: Database, clock: Clock, *, default_minutes: int = 60) -> Board:
    """T3: today's called numbers (latest first) and the waiting ones in calling order, each
    with an estimated wait: rooms free now take the first tickets, then one typical meeting
    length per round of all meeting rooms."""
    now = clock.now()
    typical = typical_meeting_minutes(db, default_minutes)
    called = [
        BoardEntry(label=r["label"], room_name=r["room_name"], priority=bool(r["priority"]),
                   called_at=parse_iso(r["called_at"], clock.zone))
        for r in db.query(
            "SELECT t.label, t.priority, t.called_at, m.name AS room_name FROM tickets t"
            " JOIN bookings b ON b.id = t.booking_id JOIN rooms m ON m.id = b.room_id"
            " WHERE t.day = ? AND t.called_at IS NOT NULL AND b.state IN"
            f" {in_list(LIVE_STATES)} ORDER BY t.called_at DESC, t.number DESC LIMIT ?",
            (now.date().isoformat(), *LIVE_STATES, NOW_SERVING))
    ]
    rooms = scalar(db, "SELECT COUNT(*) FROM rooms WHERE kind = 'meeting' AND active = 1") or 1
    busy = scalar(db, "SELECT COUNT(*) FROM bookings b JOIN rooms m ON m.id = b.room_id"
                      " WHERE b.state = 'in_progress' AND m.kind = 'meeting'") or 0
    free = max(rooms - busy, 0)
    order = _call_order(_waiting(db, clock), now, timedelta(minutes=typical), clock)
    waiting = [
        BoardEntry(label=r["label"], room_name=r["room_name"], priority=bool(r["priority"]),
                   wait_minutes=0 if k < free else ((k - free) // rooms + 1) * typical)
        for k, r in enumerate(order)
    ]
    return Board(day=now.date(), called=called, waiting=waiting, typical_minutes=typical)


# --- printing (T4) --------------------------------------------------------------------------


def mark_printed(db: Database, clock: Clock, officer: str, ticket_id: int) -> Ticket:
    """T4: the ticket came out of the printer; a previous fault is cleared."""
    with transaction(db):
        get_ticket(db, clock, ticket_id)
        db.execute("UPDATE tickets SET printed_at = ?, print_error = NULL WHERE id = ?",
                   (iso(clock.now()), ticket_id))
        audit.record(db, clock, officer, "ticket_printed", f"ticket:{ticket_id}")
    return get_ticket(db, clock, ticket_id)


def mark_print_failed(db: Database, clock: Clock, officer: str, ticket_id: int,
                      error: str, detail: str | None = None) -> Ticket:
    """T4: the printer failed; the fault is kept for the officer (reprint when fixed). Only the
    ticket's print state changes: the booking and its queue place stay as they are. error is
    the message the officer reads; detail, what the system said, goes to the audit entry."""
    with transaction(db):
        get_ticket(db, clock, ticket_id)
        db.execute("UPDATE tickets SET print_error = ? WHERE id = ?", (error, ticket_id))
        audit.record(db, clock, officer, "ticket_print_failed", f"ticket:{ticket_id}",
                     {"error": error} | ({"detail": detail} if detail else {}))
    return get_ticket(db, clock, ticket_id)
