"""C5 and P2: the watch list of open requests against their deadlines; with them what the
officer still has to do: tell the lawyer of a permission decision (P2), and requests resting on
a hand-entered letter or notice, to confirm or contradicted by an import (V7/V10); B12's case
deadline of fast-track cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .clock import Clock, parse_iso
from .meetings import is_fast_track
from .permission import decision_due

RED_UNDER = timedelta(hours=12)


class WatchItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: int
    # deadline: open, the 48 hours run; permission: awaiting the authority (P2); notify: the
    # authority refused and the lawyer is still to be told (P2); closed: C7, the request closed and the lawyer to notify
    kind: Literal["deadline", "permission", "notify", "closed"]
    lawyer: str
    cert_no: str
    detainee: str
    roster_no: str
    due: datetime  # the 48-hour deadline, the authority's 3-day decision deadline, or (notify)
    # when the authority refused
    time_left: timedelta
    booking_id: int | None = None
    booked_start: datetime | None = None
    room_id: str | None = None
    # P2: a decision the lawyer has not been told of yet, and the phone to call (officer only)
    to_notify: bool = False
    lawyer_phone: str | None = None
    permission_granted: bool | None = None
    # V7/V10: the request rests on a hand-entered document no import has confirmed yet, or
    # one an import contradicted (terminated, withdrawn, another lawyer)
    document_to_confirm: bool = False
    document_contradicted: bool = False
    # B12: the fast-track case's deadline, when the roster gives one
    case_deadline: date | None = None

    @property
    def fast_track(self) -> bool:
        """B12: the case deadline falls before this request's 48-hour deadline."""
        return self.kind == "deadline" and is_fast_track(self.case_deadline, self.due)

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


_DOCUMENT = """
CASE r.basis
    WHEN 'aid_letter' THEN (SELECT {column} FROM aid_letters WHERE letter_no = r.document_no)
    WHEN 'duty_notice' THEN (SELECT {column} FROM duty_notices WHERE notice_no = r.document_no)
END"""


def watch_list(db: Database, clock: Clock) -> list[WatchItem]:
    """Every open request (booked or not), every request awaiting permission, and every
    permission decision the lawyer has not been told of yet (P2); most urgent first."""
    now = clock.now()
    rows = db.query(
        "SELECT r.id, r.state, r.deadline, r.presented_at, r.cert_no, r.roster_no,"
        " r.lawyer_phone, r.permission_decided_at, r.lawyer_told_at,"
        " l.name AS lawyer, d.name AS detainee, d.case_deadline,"
        " b.id AS booking_id, b.starts_at, b.room_id,"
        f" {_DOCUMENT.format(column='entered_by')} AS entered_by,"
        f" {_DOCUMENT.format(column='confirmed_at')} AS confirmed_at,"
        f" {_DOCUMENT.format(column='contradicted_at')} AS contradicted_at"
        " FROM meeting_requests r JOIN lawyers l ON l.cert_no = r.cert_no"
        " JOIN detainees d ON d.roster_no = r.roster_no"
        " LEFT JOIN bookings b ON b.request_id = r.id AND b.state IN ('booked', 'arrived')"
        " WHERE r.state IN ('open', 'booked', 'awaiting_permission')"
        " OR (r.state = 'permission_denied' AND r.lawyer_told_at IS NULL)")
    items = []
    for row in rows:
        permission = row["state"] == "awaiting_permission"
        refused = row["state"] == "permission_denied"
        decided = row["permission_decided_at"] is not None
        if permission:
            due = decision_due(parse_iso(row["presented_at"], clock.zone))
        elif refused:
            due = parse_iso(row["permission_decided_at"], clock.zone)
        else:
            due = parse_iso(row["deadline"], clock.zone)
        to_notify = decided and row["lawyer_told_at"] is None
        items.append(WatchItem(
            request_id=row["id"],
            kind="permission" if permission else "notify" if refused else "deadline",
            to_notify=to_notify, lawyer_phone=row["lawyer_phone"] if to_notify else None,
            permission_granted=(not refused) if decided else None,
            document_to_confirm=bool(row["entered_by"]) and not row["confirmed_at"]
            and not row["contradicted_at"],
            document_contradicted=bool(row["contradicted_at"]),
            case_deadline=date.fromisoformat(row["case_deadline"]) if row["case_deadline"]
            else None,
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
