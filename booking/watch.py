"""C5 and P2: the watch list of open requests against their deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .clock import Clock, parse_iso
from .permission import DECISION_WITHIN

RED_UNDER = timedelta(hours=12)


class WatchItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: int
    kind: Literal["deadline", "permission", "closed"]  # closed: C7, the lawyer to notify
    lawyer: str
    cert_no: str
    detainee: str
    roster_no: str
    due: datetime  # the 48-hour deadline, or the authority's 3-day decision deadline
    time_left: timedelta
    booking_id: int | None = None
    booked_start: datetime | None = None
    room_id: str | None = None

    @property
    def red(self) -> bool:
        return self.time_left < RED_UNDER

    @property
    def at_risk(self) -> bool:
        """C5: no booking yet and under 12 hours left."""
        return self.kind == "deadline" and self.booking_id is None and self.red

    @property
    def overdue(self) -> bool:
        return self.time_left < timedelta(0)


def watch_list(db: Database, clock: Clock) -> list[WatchItem]:
    """Every open request (booked or not) and every request awaiting permission, most
    urgent first."""
    now = clock.now()
    rows = db.query(
        "SELECT r.id, r.state, r.deadline, r.presented_at, r.cert_no, r.roster_no,"
        " l.name AS lawyer, d.name AS detainee, b.id AS booking_id, b.starts_at, b.room_id"
        " FROM meeting_requests r JOIN lawyers l ON l.cert_no = r.cert_no"
        " JOIN detainees d ON d.roster_no = r.roster_no"
        " LEFT JOIN bookings b ON b.request_id = r.id AND b.state IN ('booked', 'arrived')"
        " WHERE r.state IN ('open', 'booked', 'awaiting_permission')")
    items = []
    for row in rows:
        permission = row["state"] == "awaiting_permission"
        due = (parse_iso(row["presented_at"], clock.zone) + DECISION_WITHIN if permission
               else parse_iso(row["deadline"], clock.zone))
        items.append(WatchItem(
            request_id=row["id"], kind="permission" if permission else "deadline",
            lawyer=row["lawyer"], cert_no=row["cert_no"], detainee=row["detainee"],
            roster_no=row["roster_no"], due=due, time_left=due - now,
            booking_id=row["booking_id"],
            booked_start=parse_iso(row["starts_at"], clock.zone) if row["starts_at"] else None,
            room_id=row["room_id"]))
    items += _to_notify(db, clock)
    return sorted(items, key=lambda item: item.time_left)


def _to_notify(db: Database, clock: Clock) -> list[WatchItem]:
    """C7: requests closed because the detainee was released or transferred, whose lawyer
    has not yet been told (the officer records the call: roster_changes.record_notified).
    They sort by when they were closed, first to tell first."""
    now = clock.now()
    rows = db.query(
        "SELECT r.id, r.notify_since, r.cert_no, r.roster_no, l.name AS lawyer,"
        " d.name AS detainee FROM meeting_requests r JOIN lawyers l ON l.cert_no = r.cert_no"
        " JOIN detainees d ON d.roster_no = r.roster_no"
        " WHERE r.notify_since IS NOT NULL AND r.notified_at IS NULL")
    return [WatchItem(request_id=row["id"], kind="closed", lawyer=row["lawyer"],
                      cert_no=row["cert_no"], detainee=row["detainee"],
                      roster_no=row["roster_no"], due=parse_iso(row["notify_since"], clock.zone),
                      time_left=parse_iso(row["notify_since"], clock.zone) - now)
            for row in rows]


def format_left(left: timedelta) -> str:
    """'31:05' hours and minutes, '-02:10' when overdue."""
    minutes = int(left.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"
