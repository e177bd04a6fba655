"""Offers and bookings (B1, B4-B8, C2-C4, B10): from a verified request to a meeting.

Every use case runs in one BEGIN IMMEDIATE transaction with its audit entry; the
overlap guards of B4 are also triggers in the database (schema_bookings.sql), so two
kiosks on one file can never both win the same room time.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .calendar import OpeningCalendar
from .clock import Clock, iso, parse_iso
from .errors import DomainError, NotFound
from .settings import Settings
from .storage import one, transaction

RoomKind = Literal["meeting", "video", "interrogation"]
LIVE_STATES = ("booked", "arrived", "in_progress")
OCCUPYING_STATES = ("booked", "arrived", "in_progress", "done")
SEARCH_BEYOND_DEADLINE = timedelta(days=14)
NOW_STILL_MEANS_NOW = timedelta(minutes=5)

# C3: why a meeting cannot start now (zh, en); printed on the 情况说明.
DELAY_REASONS: dict[str, tuple[str, str]] = {
    "rooms_busy": ("会见室已满", "all rooms are busy"),
    "in_court": ("在押人员出庭", "the detainee is in court"),
    "being_questioned": ("在押人员正在接受讯问", "the detainee is being questioned"),
    "in_hospital": ("在押人员就医", "the detainee is in hospital"),
    "in_transit": ("在押人员在押解途中", "the detainee is in transit"),
    "outside_hours": ("非会见时间", "outside opening hours"),
    "lawyer_choice": ("律师选择较晚时间", "the lawyer chose a later time"),
    "other": ("其他", "other"),
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Offer(_Model):
    room_kind: RoomKind
    room_id: str
    room_name: str
    start: datetime
    end: datetime
    immediate: bool
    before_deadline: bool


class Offers(_Model):
    request_id: int
    deadline: datetime
    length_minutes: int
    offers: list[Offer]
    warnings: list[str] = []

    @property
    def no_opening_before_deadline(self) -> bool:
        """B2: nothing fits before the deadline; the officer must add a duty session."""
        meeting = [o for o in self.offers if o.room_kind != "video"]
        return not any(o.before_deadline for o in meeting)


class Booking(_Model):
    id: int
    request_id: int
    room_id: str
    room_kind: RoomKind
    cert_no: str
    roster_no: str
    start: datetime
    end: datetime
    state: str
    immediate: bool
    priority: bool
    delay_reason: str | None
    delay_text: str | None
    deferred_by_lawyer: bool
    earliest_offer_at: datetime | None
    consent_at: datetime | None
    devices_off_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    deadline: datetime


def _when(text: str | None, clock: Clock) -> datetime | None:
    return parse_iso(text, clock.zone) if text else None


def get_booking(db: Database, clock: Clock, booking_id: int) -> Booking:
    row = one(db, "SELECT b.*, r.deadline FROM bookings b JOIN meeting_requests r"
                  " ON r.id = b.request_id WHERE b.id = ?", (booking_id,))
    if row is None:
        raise NotFound("B1", f"无此预约{booking_id}", f"no booking {booking_id}")
    return Booking(
        id=row["id"], request_id=row["request_id"], room_id=row["room_id"],
        room_kind=row["room_kind"], cert_no=row["cert_no"], roster_no=row["roster_no"],
        start=_when(row["starts_at"], clock), end=_when(row["ends_at"], clock),
        state=row["state"], immediate=bool(row["immediate"]), priority=bool(row["priority"]),
        delay_reason=row["delay_reason"], delay_text=row["delay_text"],
        deferred_by_lawyer=bool(row["deferred_by_lawyer"]),
        earliest_offer_at=_when(row["earliest_offer_at"], clock),
        consent_at=_when(row["consent_at"], clock),
        devices_off_at=_when(row["devices_off_at"], clock),
        started_at=_when(row["started_at"], clock), ended_at=_when(row["ended_at"], clock),
        deadline=_when(row["deadline"], clock),
    )


def _open_request(db: Database, request_id: int) -> dict:
    request = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
    if request is None:
        raise NotFound("C1", f"无此会见申请{request_id}", f"no meeting request {request_id}")
    if request["state"] == "awaiting_permission":
        raise DomainError("P2", "本案须经侦查机关许可，许可前不能预约会见（48小时自许可时起算）",
                          "this case needs the investigating authority's permission first;"
                          " the 48 hours start when it is recorded")
    if request["state"] != "open":
        raise DomainError("C4", f"该申请已是“{request['state']}”状态，不能再预约",
                          f"this request is {request['state']} and cannot be booked")
    live = one(db, "SELECT id FROM bookings WHERE request_id = ? AND state IN"
                   f" {LIVE_STATES!r}", (request_id,))
    if live:
        raise DomainError("B4", f"该申请已有预约{live['id']}", f"the request already has booking"
                          f" {live['id']}")
    return request


class _Busy:
    """Occupied intervals (Unix seconds) of rooms, one detainee and one lawyer in a window."""

    def __init__(self, db: Database, cert_no: str, roster_no: str, start: datetime,
                 end: datetime):
        lo, hi = int(start.timestamp()), int(end.timestamp())
        self.rooms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.person: list[tuple[int, int]] = []
        rows = db.execute(
            "SELECT room_id, cert_no, roster_no, start_ts, end_ts FROM bookings"
            f" WHERE state IN {OCCUPYING_STATES!r} AND start_ts < ? AND end_ts > ?", (hi, lo))
        for room_id, b_cert, b_roster, s, e in rows:
            self.rooms[room_id].append((s, e))
            if b_cert == cert_no or b_roster == roster_no:
                self.person.append((s, e))

    @staticmethod
    def _free(intervals: list[tuple[int, int]], s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in intervals)

    def room_free(self, room_id: str, start: datetime, end: datetime) -> bool:
        return self._free(self.rooms[room_id], int(start.timestamp()), int(end.timestamp()))

    def people_free(self, start: datetime, end: datetime) -> bool:
        return self._free(self.person, int(start.timestamp()), int(end.timestamp()))


def _rooms(db: Database, kind: str) -> list[dict]:
    return list(db.query("SELECT id, name FROM rooms WHERE kind = ? AND active = 1 ORDER BY id",
                         (kind,)))


class _Starts:
    """Candidate starts made as the searches walk them, and kept for the next search:
    most offers are found in the first day of a 16-day window."""

    def __init__(self, starts: Iterator[datetime]):
        self._source = starts
        self._made: list[datetime] = []

    def __iter__(self) -> Iterator[datetime]:
        n = 0
        while True:
            if n == len(self._made):
                start = next(self._source, None)
                if start is None:
                    return
                self._made.append(start)
            yield self._made[n]
            n += 1


def _candidate_starts(calendar: OpeningCalendar, now: datetime, until: datetime,
                      length: int) -> _Starts:
    """C2: 'now' first when a session is open and the meeting fits in it, then the grid."""
    def starts() -> Iterator[datetime]:
        fits_now = any(opens <= now and now + timedelta(minutes=length) <= closes
                       for opens, closes in calendar.day(now.date()).sessions)
        if fits_now:
            yield now
        yield from (s for s in calendar.slot_starts(now, until, length) if not fits_now or s > now)

    return _Starts(starts())


def _earliest(rooms: list[dict], kind: RoomKind, starts: Iterable[datetime], length: int,
              busy: _Busy, now: datetime, deadline: datetime) -> Offer | None:
    span = timedelta(minutes=length)
    for start in starts:
        s = int(start.timestamp())  # once per start, not once per room
        e = s + length * 60
        if not busy._free(busy.person, s, e):
            continue
        for room in rooms:
            if busy._free(busy.rooms[room["id"]], s, e):
                return Offer(room_kind=kind, room_id=room["id"], room_name=room["name"],
                             start=start, end=start + span, immediate=start == now,
                             before_deadline=start < deadline)
    return None


def _offers(db: Database, clock: Clock, calendar: OpeningCalendar, request: dict,
            length: int, wants_video: bool) -> list[Offer]:
    now = clock.now().replace(second=0, microsecond=0)
    deadline = parse_iso(request["deadline"], clock.zone)
    until = max(deadline, now) + SEARCH_BEYOND_DEADLINE
    starts = _candidate_starts(calendar, now, until, length)
    busy = _Busy(db, request["cert_no"], request["roster_no"], now, until)
    offers = []
    meeting = _earliest(_rooms(db, "meeting"), "meeting", starts, length, busy, now, deadline)
    if meeting:
        offers.append(meeting)
    # B5/B6: an interrogation room only when it is earlier than any meeting room.
    cutoff = meeting.start if meeting else until
    early = itertools.takewhile(lambda s: s < cutoff, starts)  # starts are in order
    interrogation = _earliest(_rooms(db, "interrogation"), "interrogation", early, length, busy,
                              now, deadline)
    if interrogation:
        offers.append(interrogation)
    if wants_video:  # B1: video only when the lawyer asks for it
        video = _earliest(_rooms(db, "video"), "video", starts, length, busy, now, deadline)
        if video:
            offers.append(video)
    return offers


def meeting_length(settings: Settings, length: int | None) -> int:
    """B3: the length asked for, or the default; one of the configured lengths."""
    length = length or settings.meetings.default_length
    if length not in settings.meetings.lengths:
        allowed = "/".join(str(n) for n in settings.meetings.lengths)
        raise DomainError("B3", f"会见时长须为{allowed}分钟", f"a meeting lasts {allowed} minutes")
    return length


def offer_slots(db: Database, clock: Clock, settings: Settings, request_id: int,
                length: int | None = None, wants_video: bool = False) -> Offers:
    """B6: the earliest meeting-room time, an earlier interrogation-room time if any, and a
    video time if asked; each against the 48-hour deadline. Reads only."""
    calendar = OpeningCalendar.from_settings(db, settings, remember=True)
    length = meeting_length(settings, length)
    request = _open_request(db, request_id)
    offers = _offers(db, clock, calendar, request, length, wants_video)
    deadline = parse_iso(request["deadline"], clock.zone)
    now = clock.now()
    days = {now.date() + timedelta(days=n) for n in range((deadline.date() - now.date()).days + 1)}
    return Offers(request_id=request_id, deadline=deadline, length_minutes=length,
                  offers=offers, warnings=calendar.warnings(days))


def _fits_opening(calendar: OpeningCalendar, start: datetime, end: datetime) -> bool:
    return any(opens <= start and end <= closes for opens, closes in calendar.day(start.date()).sessions)


DUTY_HINT = ("如需在该日会见，请增加值班会见（窗口按 Ctrl+D，或 kiosk calendar duty）",
             "to meet that day, add a duty session (Ctrl+D at the desk, or kiosk calendar duty)")


def _outside_opening(calendar: OpeningCalendar, start: datetime) -> DomainError:
    """B2: why a time cannot be booked (Sunday, a holiday, a closure, after hours), and the
    way out: a duty session."""
    day = calendar.day(start.date())
    name = f"（{day.name}）" if day.name else ""
    name_en = f" ({day.name})" if day.name else ""
    if day.reason == "sunday_closed":
        zh, en = "所选日期是周日，本所周日不开放会见", "that day is a Sunday: the centre is closed on Sundays"
    elif day.reason == "holiday" and not day.is_open:
        zh, en = f"所选日期是法定节假日{name}，不开放会见", f"that day is a public holiday{name_en}: closed"
    elif not day.is_open:
        zh, en = f"所选日期停止会见{name}", f"the centre is closed that day{name_en}"
    else:
        hours = " ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in day.sessions)
        zh = f"所选时间不在当日会见开放时间内（当日开放 {hours}，会见须在结束前完成）"
        en = (f"that time is outside the day's opening hours ({hours}; the meeting must end"
              " by closing time)")
    return DomainError("B2", f"{zh}；{DUTY_HINT[0]}", f"{en}; {DUTY_HINT[1]}")


def book(db: Database, clock: Clock, settings: Settings, officer: str, request_id: int,
         room_id: str, start: datetime, length: int | None = None, *,
         delay_reason: str | None = None, delay_text: str = "", consent_signed: bool = False,
         priority: bool = False) -> Booking:
    """Book a room for a request at a chosen time (B4, B5, C2, C3, C4). At the desk, with the
    lawyer there, queue.book_at_desk also queues a meeting that starts now (C2)."""
    calendar = OpeningCalendar.from_settings(db, settings, remember=True)
    length = meeting_length(settings, length)
    with transaction(db):
        booking_id = place_booking(db, clock, calendar, officer, request_id, room_id, start,
                                   length, delay_reason=delay_reason, delay_text=delay_text,
                                   consent_signed=consent_signed, priority=priority)
    return get_booking(db, clock, booking_id)


def place_booking(db: Database, clock: Clock, calendar: OpeningCalendar, officer: str,
                  request_id: int, room_id: str, start: datetime, length: int, *,
                  delay_reason: str | None = None, delay_text: str = "",
                  consent_signed: bool = False, priority: bool = False) -> int:
    """book() inside the caller's transaction (length already checked by meeting_length):
    the checks, the booking row and its audit entry. Returns the booking's id."""
    start = start.astimezone(clock.zone).replace(microsecond=0)
    end = start + timedelta(minutes=length)
    request = _open_request(db, request_id)
    room = one(db, "SELECT * FROM rooms WHERE id = ? AND active = 1", (room_id,))
    if room is None:
        raise DomainError("B1", f"无此会见室{room_id}", f"no room {room_id}")
    now = clock.now().replace(microsecond=0)
    deadline = parse_iso(request["deadline"], clock.zone)
    offers = _offers(db, clock, calendar, request, length, room["kind"] == "video")
    earliest = next((o for o in offers if o.room_kind == room["kind"]), None)
    immediate = (earliest is not None and earliest.immediate
                 and earliest.start - NOW_STILL_MEANS_NOW <= start <= earliest.start)
    if immediate:  # a "now" offer taken a few minutes after it was shown is still now
        start, end = earliest.start, earliest.start + timedelta(minutes=length)
    if start < now - timedelta(minutes=1):
        raise DomainError("B3", "不能预约已过去的时间", "that time has passed: choose another")
    if not immediate and not _fits_opening(calendar, start, end):
        raise _outside_opening(calendar, start)
    busy = _Busy(db, request["cert_no"], request["roster_no"], start, end)
    if not busy.room_free(room_id, start, end) or not busy.people_free(start, end):
        raise DomainError("B4", "该时间会见室、在押人员或律师已有会见，请选择其他时间",
                          "the room, the detainee or the lawyer is taken at that time:"
                          " choose another")
    _check_interrogation_room(db, room, start, end, consent_signed)
    earliest_any = min((o.start for o in offers if o.room_kind != "video"), default=None)
    # C3: the booked time lies strictly before the deadline, unless the lawyer chose later
    deferred = start >= deadline and earliest_any is not None and earliest_any < deadline
    if start >= deadline and not deferred:
        raise DomainError("C3", "所选时间晚于48小时期限；期限前无开放时间时请先增加值班会见",
                          "that time is after the 48-hour deadline; if nothing opens before"
                          " it, add a duty session first")
    if deferred:
        delay_reason = "lawyer_choice"
    if not immediate:
        _check_delay_reason(delay_reason, delay_text)
    try:
        booking_id = db.table("bookings").insert({
            "request_id": request_id, "room_id": room_id, "room_kind": room["kind"],
            "cert_no": request["cert_no"], "roster_no": request["roster_no"],
            "starts_at": iso(start), "ends_at": iso(end),
            "start_ts": int(start.timestamp()), "end_ts": int(end.timestamp()),
            "state": "booked", "immediate": int(immediate), "priority": int(priority),
            "delay_reason": None if immediate else delay_reason,
            "delay_text": (delay_text.strip() or None) if not immediate else None,
            "deferred_by_lawyer": int(deferred),
            "earliest_offer_at": iso(earliest_any) if deferred else None,
            "consent_by": officer if room["kind"] == "interrogation" else None,
            "consent_at": iso(now) if room["kind"] == "interrogation" else None,
            "booked_by": officer, "booked_at": iso(now),
        }).last_pk
    except sqlite3.IntegrityError as exc:
        raise DomainError("B4", "该时间已被占用（可能另一台终端刚刚预约），请重新选择",
                          f"that time was just taken ({exc}); choose again") from None
    db.execute("UPDATE meeting_requests SET state = 'booked' WHERE id = ?", (request_id,))
    audit.record(db, clock, officer, "book", f"booking:{booking_id}", {
        "request_id": request_id, "room": room_id, "start": iso(start), "end": iso(end),
        "immediate": immediate, "deferred_by_lawyer": deferred, "delay_reason": delay_reason,
        "consent": room["kind"] == "interrogation", "priority": priority})
    return booking_id


def _check_interrogation_room(db: Database, room: dict, start: datetime, end: datetime,
                              consent_signed: bool) -> None:
    if room["kind"] != "interrogation":
        return
    s, e = int(start.timestamp()), int(end.timestamp())
    free_meeting_room = one(db, "SELECT id FROM rooms r WHERE kind = 'meeting' AND active = 1"
                                " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.room_id = r.id"
                                f" AND b.state IN {OCCUPYING_STATES!r}"
                                " AND b.start_ts < ? AND ? < b.end_ts)", (e, s))
    if free_meeting_room:
        raise DomainError("B5", f"此时{free_meeting_room['id']}会见室空闲，不能使用讯问室",
                          f"meeting room {free_meeting_room['id']} is free then: an interrogation"
                          " room may be used only when no meeting room is")
    if not consent_signed:
        raise DomainError("B5", "使用讯问室须经律师书面同意：请打印同意书，律师签字后再确认",
                          "an interrogation room needs the lawyer's written consent: print the"
                          " form, have it signed, then confirm")


def _check_delay_reason(reason: str | None, text: str) -> None:
    if reason not in DELAY_REASONS:
        raise DomainError("C3", "不能当时安排会见：请选择原因（将打印情况说明交律师）",
                          "the meeting cannot start now: choose a reason (it is printed for the"
                          " lawyer)")
    if reason == "other" and not text.strip():
        raise DomainError("C3", "原因为“其他”时请写明具体情况", "describe the reason for 'other'")


# --- the meeting itself ---------------------------------------------------------------------


def _live_booking(db: Database, booking_id: int, states: tuple[str, ...]) -> dict:
    row = one(db, "SELECT b.*, r.deadline FROM bookings b JOIN meeting_requests r"
                  " ON r.id = b.request_id WHERE b.id = ?", (booking_id,))
    if row is None:
        raise NotFound("B1", f"无此预约{booking_id}", f"no booking {booking_id}")
    if row["state"] not in states:
        raise DomainError("C4", f"预约{booking_id}当前为“{row['state']}”，不能进行此操作",
                          f"booking {booking_id} is {row['state']}: not possible now")
    return row


def _is_late(row: dict, now: datetime, settings: Settings, clock: Clock) -> bool:
    start = parse_iso(row["starts_at"], clock.zone)
    return now > start + timedelta(minutes=settings.meetings.late_minutes)


def release_late(db: Database, clock: Clock, settings: Settings, officer: str,
                 booking_id: int) -> None:
    """B10: a lawyer later than late_minutes loses the slot; the request is open again with
    the same deadline, to be re-booked by the same rules."""
    with transaction(db):
        row = _live_booking(db, booking_id, ("booked",))
        if not _is_late(row, clock.now(), settings, clock):
            raise DomainError("B10", f"律师迟到未超过{settings.meetings.late_minutes}分钟，预约保留",
                              f"not more than {settings.meetings.late_minutes} minutes late: the"
                              " booking stands")
        db.execute("UPDATE bookings SET state = 'released_late', closed_by = ? WHERE id = ?",
                   (officer, booking_id))
        db.execute("UPDATE meeting_requests SET state = 'open' WHERE id = ?", (row["request_id"],))
        audit.record(db, clock, officer, "release_late", f"booking:{booking_id}",
                     {"request_id": row["request_id"]})


def _late_refusal(settings: Settings) -> DomainError:
    minutes = settings.meetings.late_minutes
    return DomainError("B10", f"律师迟到超过{minutes}分钟，原预约已失效，请释放后重新预约（48小时期限不变）",
                       f"more than {minutes} minutes late: the slot is lost; release it and book"
                       " again (same deadline)")


def check_in(db: Database, clock: Clock, settings: Settings, officer: str,
             booking_id: int) -> Booking:
    """The lawyer has arrived. Too late (B10): the caller releases and re-books."""
    with transaction(db):
        mark_arrival(db, clock, settings, officer, booking_id)
    return get_booking(db, clock, booking_id)


def mark_arrival(db: Database, clock: Clock, settings: Settings, officer: str,
                 booking_id: int) -> None:
    """check_in() inside the caller's transaction: a booked lawyer within the late limit
    (B10) is marked arrived, once; an arrived one stays as they are."""
    row = _live_booking(db, booking_id, ("booked", "arrived"))
    if row["state"] == "booked":
        if _is_late(row, clock.now(), settings, clock):
            raise _late_refusal(settings)
        db.execute("UPDATE bookings SET state = 'arrived', arrived_at = ? WHERE id = ?",
                   (iso(clock.now()), booking_id))
        audit.record(db, clock, officer, "arrive", f"booking:{booking_id}")


def outcome_for_start(started: datetime, deadline: datetime, deferred: bool) -> str:
    """C4: met when started by the deadline; a lawyer-chosen later time is not a breach."""
    if started <= deadline:
        return "met"
    return "deferred_by_lawyer" if deferred else "breached"


def start_meeting(db: Database, clock: Clock, settings: Settings, officer: str,
                  booking_id: int, devices_off_confirmed: bool = False) -> Booking:
    """The meeting starts; in an interrogation room only with recording and monitoring off.
    B10: a lawyer never checked in and now past the late limit has lost the slot, so the
    meeting cannot start (release and re-book); a lawyer who arrived in time may start later,
    the wait being the centre's, not the lawyer's."""
    with transaction(db):
        row = _live_booking(db, booking_id, ("booked", "arrived"))
        now = clock.now()
        if row["state"] == "booked" and _is_late(row, now, settings, clock):
            raise _late_refusal(settings)
        if row["room_kind"] == "interrogation" and not devices_off_confirmed:
            raise DomainError("B5", "讯问室会见开始前，请确认录音、监听设备已关闭",
                              "confirm that recording and monitoring devices are off before the"
                              " meeting starts in an interrogation room")
        devices_off = iso(now) if row["room_kind"] == "interrogation" else None
        db.execute("UPDATE bookings SET state = 'in_progress', started_at = ?,"
                   " arrived_at = COALESCE(arrived_at, ?), devices_off_by = ?, devices_off_at = ?"
                   " WHERE id = ?", (iso(now), iso(now), officer if devices_off else None,
                                     devices_off, booking_id))
        outcome = outcome_for_start(now, parse_iso(row["deadline"], clock.zone),
                                    bool(row["deferred_by_lawyer"]))
        db.execute("UPDATE meeting_requests SET state = ?, closed_at = ? WHERE id = ?",
                   (outcome, iso(now), row["request_id"]))
        audit.record(db, clock, officer, "start_meeting", f"booking:{booking_id}",
                     {"outcome": outcome, "devices_off": devices_off is not None})
    return get_booking(db, clock, booking_id)


def end_meeting(db: Database, clock: Clock, officer: str, booking_id: int) -> Booking:
    with transaction(db):
        _live_booking(db, booking_id, ("in_progress",))
        db.execute("UPDATE bookings SET state = 'done', ended_at = ?, closed_by = ? WHERE id = ?",
                   (iso(clock.now()), officer, booking_id))
        audit.record(db, clock, officer, "end_meeting", f"booking:{booking_id}")
    return get_booking(db, clock, booking_id)


def close_without_meeting(db: Database, clock: Clock, officer: str, booking_id: int,
                          outcome: Literal["no_show", "cancelled"]) -> Booking:
    """C4: the lawyer did not come (after the late limit) or cancelled: not a breach."""
    with transaction(db):
        row = _live_booking(db, booking_id, ("booked", "arrived"))
        db.execute("UPDATE bookings SET state = ?, closed_by = ? WHERE id = ?",
                   (outcome, officer, booking_id))
        db.execute("UPDATE meeting_requests SET state = ?, closed_at = ? WHERE id = ?",
                   (outcome, iso(clock.now()), row["request_id"]))
        audit.record(db, clock, officer, outcome, f"booking:{booking_id}",
                     {"request_id": row["request_id"]})
    return get_booking(db, clock, booking_id)


def cancel_request(db: Database, clock: Clock, officer: str, request_id: int) -> None:
    """C4: the lawyer withdraws a request that has no booking yet."""
    with transaction(db):
        request = one(db, "SELECT state FROM meeting_requests WHERE id = ?", (request_id,))
        if request is None or request["state"] not in ("open", "awaiting_permission"):
            raise DomainError("C4", "只能撤回未预约的申请", "only an unbooked request can be withdrawn")
        db.execute("UPDATE meeting_requests SET state = 'cancelled', closed_at = ? WHERE id = ?",
                   (iso(clock.now()), request_id))
        audit.record(db, clock, officer, "cancel_request", f"request:{request_id}")
