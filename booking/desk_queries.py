"""What the front desk's booking screens read: a request with its people, a day's bookings,
a room free at a time, a booking's assistant. Reads only; the use cases live elsewhere."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .clock import Clock, parse_iso
from .errors import NotFound
from .meetings import Room, is_fast_track
from .permission import decision_due
from .states import LIVE_STATES, OCCUPYING_STATES, BookingState, RequestState, in_list
from .storage import one


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class RequestCard(_Model):
    """A meeting request as the officer sees it: who, for whom, until when."""

    id: int
    state: RequestState
    lawyer: str
    cert_no: str
    firm_name: str
    detainee: str
    roster_no: str
    presented_at: datetime
    deadline: datetime | None
    permission_due: datetime | None  # P2: the authority's 3-day decision deadline
    live_booking_id: int | None
    case_deadline: date | None = None  # B12: a fast-track case's deadline, from the roster

    @property
    def fast_track(self) -> bool:
        """B12: the case deadline falls before the 48-hour deadline: priority by default."""
        return is_fast_track(self.case_deadline, self.deadline)


class DayBooking(_Model):
    """One occupying booking of a date, for the rooms x time grid."""

    id: int
    room_id: str
    start: datetime
    end: datetime
    state: BookingState
    lawyer: str
    detainee: str


class AssistantRow(_Model):
    id: int
    name: str
    cert_kind: str
    cert_no: str
    confirmation_ref: str | None

    @property
    def confirmed(self) -> bool:
        return self.confirmation_ref is not None


def request_card(db: Database, clock: Clock, request_id: int) -> RequestCard:
    row = one(db, "SELECT r.*, l.name AS lawyer, l.firm_name, d.name AS detainee,"
                  " d.case_deadline"
                  " FROM meeting_requests r JOIN lawyers l ON l.cert_no = r.cert_no"
                  " JOIN detainees d ON d.roster_no = r.roster_no WHERE r.id = ?",
              (request_id,))
    if row is None:
        raise NotFound("C1", f"无此会见申请{request_id}", f"no meeting request {request_id}")
    live = one(db, "SELECT id FROM bookings WHERE request_id = ? AND state IN"
                   f" {in_list(LIVE_STATES)}", (request_id, *LIVE_STATES))
    presented = parse_iso(row["presented_at"], clock.zone)
    return RequestCard(
        id=row["id"], state=row["state"], lawyer=row["lawyer"], cert_no=row["cert_no"],
        firm_name=row["firm_name"], detainee=row["detainee"], roster_no=row["roster_no"],
        presented_at=presented,
        deadline=parse_iso(row["deadline"], clock.zone) if row["deadline"] else None,
        permission_due=(decision_due(presented)
                        if row["state"] == "awaiting_permission" else None),
        live_booking_id=live["id"] if live else None,
        case_deadline=date.fromisoformat(row["case_deadline"]) if row["case_deadline"] else None)


def rooms(db: Database) -> list[Room]:
    """Active rooms: meeting rooms, then video terminals, then interrogation rooms."""
    return [Room(**r) for r in db.query(
        "SELECT id, name, kind FROM rooms WHERE active = 1 ORDER BY"
        " CASE kind WHEN 'meeting' THEN 0 WHEN 'video' THEN 1 ELSE 2 END, id")]


def day_bookings(db: Database, clock: Clock, day: date) -> list[DayBooking]:
    """Bookings that hold a room on a date (booked, arrived, in progress, done)."""
    start = datetime.combine(day, time(0), clock.zone)
    end = start + timedelta(days=1)
    rows = db.query(
        "SELECT b.id, b.room_id, b.starts_at, b.ends_at, b.state,"
        " coalesce(l.name, b.cert_no) AS lawyer, coalesce(d.name, b.roster_no) AS detainee"
        " FROM bookings b LEFT JOIN lawyers l ON l.cert_no = b.cert_no"
        " LEFT JOIN detainees d ON d.roster_no = b.roster_no"
        f" WHERE b.state IN {in_list(OCCUPYING_STATES)} AND b.start_ts < ? AND b.end_ts > ?"
        " ORDER BY b.start_ts, b.room_id",
        (*OCCUPYING_STATES, int(end.timestamp()), int(start.timestamp())))
    return [DayBooking(id=r["id"], room_id=r["room_id"], state=r["state"], lawyer=r["lawyer"],
                       detainee=r["detainee"], start=parse_iso(r["starts_at"], clock.zone),
                       end=parse_iso(r["ends_at"], clock.zone)) for r in rows]


def assistant_of(db: Database, booking_id: int) -> AssistantRow | None:
    row = one(db, "SELECT id, name, cert_kind, cert_no, confirmation_ref FROM assistants"
                  " WHERE booking_id = ?", (booking_id,))
    return AssistantRow(**row) if row else None
