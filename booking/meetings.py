"""Offers and bookings (B1, B4-B8, C2-C4, B10): from a verified request to a meeting.

Every use case runs in one BEGIN IMMEDIATE transaction with its audit entry; the
overlap guards of B4 are also triggers in the database (schema_bookings.sql), so two
kiosks on one file can never both win the same room time.
"""

from __future__ import annotations

import bisect
import itertools
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .calendar import OpeningCalendar
from .clock import Clock, iso, parse_iso
from .errors import DomainError, NotFound
from .fields import typed
from .settings import Settings
from .states import LIVE_STATES, OCCUPYING_STATES, WAITING_STATES, BookingState, in_list
from .storage import insert_row, one, transaction

RoomKind = Literal["meeting", "video", "interrogation"]
# B5/B9: rooms where the officer confirms at start that nothing records or monitors.
NEEDS_DEVICES_OFF = ("interrogation", "video")
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
# C4: the reasons that lie with the detainee: a late meeting for one of them is a breach
# with that reason, never a deferral.
DETAINEE_REASONS = ("in_court", "being_questioned", "in_hospital", "in_transit")
# C4/R1: every breach carries one of these codes; not_booked: no booking at all by then.
BREACH_REASONS = ("rooms_busy", "outside_hours", "in_court", "being_questioned", "in_hospital",
                  "in_transit", "other", "not_booked")


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


class DeclinedOffer(_Model):
    """C4: an earlier time offered to the lawyer and not taken."""

    kind: RoomKind
    room: str
    start: datetime


class Booking(_Model):
    id: int
    request_id: int
    room_id: str
    room_kind: RoomKind
    cert_no: str
    roster_no: str
    start: datetime
    end: datetime
    state: BookingState
    immediate: bool
    priority: bool
    delay_reason: str | None
    delay_text: str | None
    deferred_by_lawyer: bool
    earliest_offer_at: datetime | None
    declined_offers: list[DeclinedOffer] = []
    consent_at: datetime | None
    devices_off_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    deadline: datetime
    code_stamp: str = ""  # Q1/S4: the database's current stamp, carried by the booking's code


def _when(text: str | None, clock: Clock) -> datetime | None:
    return parse_iso(text, clock.zone) if text else None


def get_booking(db: Database, clock: Clock, booking_id: int) -> Booking:
    row = one(db, "SELECT b.*, r.deadline, (SELECT stamp FROM code_stamps WHERE valid_up_to IS"
                  " NULL) AS code_stamp FROM bookings b JOIN meeting_requests r"
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
        code_stamp=row["code_stamp"] or "",
        deadline=_when(row["deadline"], clock),
        declined_offers=[DeclinedOffer(kind=o["kind"], room=o["room"],
                                       start=parse_iso(o["start"], clock.zone))
                         for o in json.loads(row["declined_offers"] or "[]")],
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
    check_custody(db, request["roster_no"])
    live = one(db, "SELECT id FROM bookings WHERE request_id = ? AND state IN"
                   f" {in_list(LIVE_STATES)}", (request_id, *LIVE_STATES))
    if live:
        raise DomainError("B4", f"该申请已有预约{live['id']}", f"the request already has booking"
                          f" {live['id']}")
    return request


def custody_refusal(db: Database, roster_no: str, rule: str = "V8") -> DomainError | None:
    """V8/C7: the refusal when the detainee is no longer held here, else None."""
    row = one(db, "SELECT status FROM detainees WHERE roster_no = ?", (roster_no,))
    status = row["status"] if row else "missing"
    if status == "in_custody":
        return None
    zh, en = {"released": ("已释放", "has been released"),
              "transferred": ("已转押他所", "has been transferred")}.get(
                  status, ("不在名册中", "is not on the roster"))
    return DomainError(rule, f"在押人员{roster_no}{zh}，不在本所羁押：不能预约、签到或开始会见",
                       f"detainee {roster_no} {en} and is not held here: no booking, check-in"
                       " or meeting")


def check_custody(db: Database, roster_no: str, rule: str = "V8") -> None:
    """V8, checked again at booking, check-in and meeting start (C7)."""
    refusal = custody_refusal(db, roster_no, rule)
    if refusal is not None:
        raise refusal


class _Intervals:
    """Occupied intervals [a, b) in Unix seconds, sorted by start with the running maximum of
    their ends, so "does [s, e) overlap any of them?" is one binary search: those that start
    before e are a prefix, and one of them reaches past s exactly when the prefix's latest end
    does. The same answer as testing every interval (a < e and s < b), in O(log n)."""

    __slots__ = ("_starts", "_reach")

    def __init__(self, intervals: Iterable[tuple[int, int]]):
        ordered = sorted(intervals)
        self._starts = [a for a, _ in ordered]
        self._reach = list(itertools.accumulate((b for _, b in ordered), max))

    def free(self, s: int, e: int) -> bool:
        n = bisect.bisect_left(self._starts, e)  # the intervals with a < e
        return n == 0 or self._reach[n - 1] <= s


class _Busy:
    """Occupied intervals (Unix seconds) of rooms, one detainee and one lawyer in a window."""

    _NONE = _Intervals(())

    def __init__(self, db: Database, cert_no: str, roster_no: str, start: datetime,
                 end: datetime, now: datetime, exclude: int = 0):
        lo, hi = int(start.timestamp()), int(end.timestamp())
        rooms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        person: list[tuple[int, int]] = []
        rows = list(db.execute(
            "SELECT room_id, cert_no, roster_no, start_ts, end_ts FROM bookings"
            f" WHERE state IN {in_list(OCCUPYING_STATES)} AND start_ts < ? AND end_ts > ?"
            " AND id != ?", (*OCCUPYING_STATES, hi, lo, exclude)))
        rows += real_occupancy(db, now)  # B4: a meeting started late or running over
        for room_id, b_cert, b_roster, s, e in rows:
            rooms[room_id].append((s, e))
            if b_cert == cert_no or b_roster == roster_no:
                person.append((s, e))
        self.rooms = {room_id: _Intervals(spans) for room_id, spans in rooms.items()}
        self.person = _Intervals(person)

    def room(self, room_id: str) -> _Intervals:
        return self.rooms.get(room_id, self._NONE)

    def room_free(self, room_id: str, start: datetime, end: datetime) -> bool:
        return self.room(room_id).free(int(start.timestamp()), int(end.timestamp()))

    def people_free(self, start: datetime, end: datetime) -> bool:
        return self.person.free(int(start.timestamp()), int(end.timestamp()))


def held_span(start_ts: int, end_ts: int, started_at: str, now: datetime) -> tuple[int, int]:
    """B4: the time a meeting in progress holds its room, in Unix seconds: from its real
    start (or its booked start, if earlier) until the later of its booked end, its real
    start plus its booked length (a late start keeps its full length), and now (an overrun)."""
    started = int(datetime.fromisoformat(started_at).timestamp())
    return (min(start_ts, started),
            max(end_ts, started + (end_ts - start_ts), int(now.timestamp()) + 60))


def real_occupancy(db: Database, now: datetime) -> list[tuple[str, str, str, int, int]]:
    """B4: (room, lawyer, detainee, from, until) of every meeting in progress, held from its
    real start until its real end (not yet known: see held_span)."""
    return [(room_id, cert_no, roster_no, *held_span(s, e, started_at, now))
            for room_id, cert_no, roster_no, s, e, started_at in db.execute(
                "SELECT room_id, cert_no, roster_no, start_ts, end_ts, started_at FROM bookings"
                " WHERE state = 'in_progress'")]


def _rooms(db: Database, kind: str) -> list[dict]:
    return list(db.query("SELECT id, name FROM rooms WHERE kind = ? AND active = 1 ORDER BY id",
                         (kind,)))


class Room(_Model):
    id: str
    name: str
    kind: RoomKind


def free_room(db: Database, kind: RoomKind, start: datetime, end: datetime,
              now: datetime) -> Room | None:
    """B4: the first active room of a kind (by id) that nothing holds during [start, end):
    no occupying booking, and no meeting in progress running over into it (the same test
    as book's). Reads only."""
    busy = _Busy(db, "", "", start, end, now)
    return next((Room(id=room["id"], name=room["name"], kind=kind) for room in _rooms(db, kind)
                 if busy.room_free(room["id"], start, end)), None)


class _Starts:
    """Candidate starts made as the searches walk them, and kept for the next search:
    most offers are found in the first day of a 16-day window. Each start is kept with its
    Unix time, worked out once for all the searches."""

    def __init__(self, starts: Iterator[datetime]):
        self._source = starts
        self._made: list[tuple[datetime, int]] = []

    def __iter__(self) -> Iterator[tuple[datetime, int]]:
        n = 0
        while True:
            if n == len(self._made):
                start = next(self._source, None)
                if start is None:
                    return
                self._made.append((start, int(start.timestamp())))
            yield self._made[n]
            n += 1


def _candidate_starts(calendar: OpeningCalendar, now: datetime, until: datetime,
                      length: int) -> _Starts:
    """C2: 'now' first when a session is open and the meeting fits in it, then the grid."""
    def starts() -> Iterator[datetime]:
        fits_now = calendar.open_for(now, now + timedelta(minutes=length))
        if fits_now:
            yield now
        yield from (s for s in calendar.slot_starts(now, until, length) if not fits_now or s > now)

    return _Starts(starts())


def _earliest(rooms: list[dict], kind: RoomKind, starts: Iterable[tuple[datetime, int]],
              length: int, busy: _Busy, now: datetime, deadline: datetime) -> Offer | None:
    span = timedelta(minutes=length)
    held = [(room, busy.room(room["id"])) for room in rooms]
    for start, s in starts:  # s: the start's Unix time
        e = s + length * 60
        if not busy.person.free(s, e):
            continue
        for room, taken in held:
            if taken.free(s, e):
                return Offer(room_kind=kind, room_id=room["id"], room_name=room["name"],
                             start=start, end=start + span, immediate=start == now,
                             before_deadline=start < deadline)
    return None


class _SeenOffers:
    """The offers found on a database as it stands now, kept on the Database object (as
    the audit's binding is): the same search asked again before anything was written is
    answered from here. Exact, not a guess: the database's version is this connection's
    count of rows written (sqlite3 total_changes, triggers included) and SQLite's
    data_version (another connection's commit), and every input of the search is in the
    key, so a kept answer is the one the search would give. offer_slots and then book()
    for the same request at the same moment search once."""

    def __init__(self) -> None:
        self.version: tuple[int, int] | None = None
        self.found: dict[tuple, tuple[object, list[Offer]]] = {}

    @classmethod
    def of(cls, db: Database) -> _SeenOffers:
        seen = getattr(db, "_kiosk_offers", None)
        if seen is None:
            seen = cls()
            db._kiosk_offers = seen
        return seen

    @staticmethod
    def _version(db: Database) -> tuple[int, int]:
        return db.conn.total_changes, db.conn.execute("PRAGMA data_version").fetchone()[0]

    def get(self, db: Database, key: tuple) -> list[Offer] | None:
        version = self._version(db)
        if version != self.version:
            self.version, self.found = version, {}
            return None
        kept = self.found.get(key)
        return None if kept is None else list(kept[1])

    def put(self, key: tuple, hours: object, offers: list[Offer]) -> None:
        if len(self.found) >= 16:
            self.found.clear()
        self.found[key] = (hours, list(offers))  # hours kept so its id in the key stays its own


def _offers(db: Database, clock: Clock, calendar: OpeningCalendar, request: dict,
            length: int, wants_video: bool) -> list[Offer]:
    """B6: the earliest offers for a request now (see _search_offers), searched once for a
    database that has not changed since (_SeenOffers). Only with a calendar that remembers
    nothing yet: one that remembered dates before a write would search the old hours."""
    if not calendar.fresh:
        return _search_offers(db, clock, calendar, request, length, wants_video)
    seen = _SeenOffers.of(db)
    key = (request["id"], request["deadline"], request["cert_no"], request["roster_no"],
           length, wants_video, clock.now(), clock.zone, id(calendar.hours), calendar.zone,
           calendar.grid_minutes)
    offers = seen.get(db, key)
    if offers is None:
        offers = _search_offers(db, clock, calendar, request, length, wants_video)
        seen.put(key, calendar.hours, offers)
    return offers


def _search_offers(db: Database, clock: Clock, calendar: OpeningCalendar, request: dict,
                   length: int, wants_video: bool) -> list[Offer]:
    now = clock.now().replace(second=0, microsecond=0)
    deadline = parse_iso(request["deadline"], clock.zone)
    until = max(deadline, now) + SEARCH_BEYOND_DEADLINE
    starts = _candidate_starts(calendar, now, until, length)
    busy = _Busy(db, request["cert_no"], request["roster_no"], now, until, clock.now())
    offers = []
    meeting = _earliest(_rooms(db, "meeting"), "meeting", starts, length, busy, now, deadline)
    if meeting:
        offers.append(meeting)
    # B5/B6: an interrogation room only when it is earlier than any meeting room.
    cutoff = meeting.start if meeting else until
    early = itertools.takewhile(lambda s: s[0] < cutoff, starts)  # starts are in order
    interrogation = _earliest(_rooms(db, "interrogation"), "interrogation", early, length, busy,
                              now, deadline)
    if interrogation:
        offers.append(interrogation)
    if wants_video:  # B1: video only when the lawyer asks for it
        video = _earliest(_rooms(db, "video"), "video", starts, length, busy, now, deadline)
        if video:
            offers.append(video)
    return offers


def is_fast_track(case_deadline: date | None, deadline: datetime | None) -> bool:
    """B12: a fast-track case (速裁) whose case deadline falls before the request's 48-hour
    deadline: the request is priority (B8) by default."""
    return case_deadline is not None and deadline is not None and case_deadline < deadline.date()


def _fast_track_request(db: Database, request: dict) -> bool:
    row = one(db, "SELECT case_deadline FROM detainees WHERE roster_no = ?",
              (request["roster_no"],))
    case_deadline = row and row["case_deadline"]
    return is_fast_track(date.fromisoformat(case_deadline) if case_deadline else None,
                         parse_iso(request["deadline"]) if request["deadline"] else None)


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


def suggested_delay_reason(calendar: OpeningCalendar, now: datetime, length: int) -> str:
    """C3: the delay reason to suggest for a meeting of `length` minutes that is not now:
    all rooms busy when it would fit in a session open now, otherwise outside opening hours.
    Only a suggestion: the officer picks."""
    return "rooms_busy" if calendar.open_for(now, now + timedelta(minutes=length)) \
        else "outside_hours"


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
         priority: bool | None = None) -> Booking:
    """Book a room for a request at a chosen time (B4, B5, C2, C3, C4). At the desk, with the
    lawyer there, queue.book_at_desk also queues a meeting that starts now (C2). priority
    None: B12 decides (a fast-track case due before the 48-hour deadline is priority)."""
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
                  consent_signed: bool = False, priority: bool | None = None) -> int:
    """book() inside the caller's transaction (length already checked by meeting_length):
    the checks, the booking row and its audit entry. Returns the booking's id."""
    start = start.astimezone(clock.zone).replace(microsecond=0)
    end = start + timedelta(minutes=length)
    request = _open_request(db, request_id)
    if priority is None:
        priority = _fast_track_request(db, request)  # B12
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
    if not immediate and not calendar.open_for(start, end):
        raise _outside_opening(calendar, start)
    busy = _Busy(db, request["cert_no"], request["roster_no"], start, end, now)
    if not busy.room_free(room_id, start, end) or not busy.people_free(start, end):
        raise DomainError("B4", "该时间会见室、在押人员或律师已有会见，请选择其他时间",
                          "the room, the detainee or the lawyer is taken at that time:"
                          " choose another")
    _check_interrogation_room(db, room, start, end, consent_signed, busy)
    declined = [] if immediate else _declined(offers, start)
    if not immediate:
        delay_text = typed(delay_text, "text", "情况说明", "explanation", "C3")
        _check_delay_reason(delay_reason, delay_text)
    deferred = attribute_delay(delay_reason, start, deadline, declined)
    earliest_any = min((o.start for o in declined), default=None)
    try:
        booking_id = insert_row(db, "bookings", {
            "request_id": request_id, "room_id": room_id, "room_kind": room["kind"],
            "cert_no": request["cert_no"], "roster_no": request["roster_no"],
            "starts_at": iso(start), "ends_at": iso(end),
            "start_ts": int(start.timestamp()), "end_ts": int(end.timestamp()),
            "state": "booked", "immediate": int(immediate), "priority": int(priority),
            "delay_reason": None if immediate else delay_reason,
            "delay_text": (delay_text.strip() or None) if not immediate else None,
            "deferred_by_lawyer": int(deferred),
            "earliest_offer_at": iso(earliest_any) if deferred else None,
            "declined_offers": json.dumps([{"kind": o.room_kind, "room": o.room_id,
                                            "start": iso(o.start)} for o in declined])
            if declined else None,
            "consent_by": officer if room["kind"] == "interrogation" else None,
            "consent_at": iso(now) if room["kind"] == "interrogation" else None,
            "booked_by": officer, "booked_at": iso(now),
        })
    except sqlite3.IntegrityError as exc:
        raise DomainError("B4", "该时间已被占用（可能另一台终端刚刚预约），请重新选择",
                          f"that time was just taken ({exc}); choose again") from None
    db.execute("UPDATE meeting_requests SET state = 'booked' WHERE id = ?", (request_id,))
    audit.record(db, clock, officer, "book", f"booking:{booking_id}", {
        "request_id": request_id, "room": room_id, "start": iso(start), "end": iso(end),
        "immediate": immediate, "deferred_by_lawyer": deferred, "delay_reason": delay_reason,
        "consent": room["kind"] == "interrogation", "priority": priority})
    return booking_id


def _declined(offers: list[Offer], start: datetime) -> list[Offer]:
    """C4: the offers earlier than the time booked: those the lawyer did not take."""
    return [o for o in offers if o.start < start]


def attribute_delay(reason: str | None, start: datetime, deadline: datetime,
                    declined: list[Offer]) -> bool:
    """C3/C4: whether a booking at start is "deferred by lawyer", or refuse it.

    Deferred only when the lawyer, offered a meeting-room or video time before the deadline,
    chose a time after it (reason lawyer_choice). Declining an interrogation room never
    defers (B5: consent is voluntary). A time after the deadline for any other reason is
    booked as the centre's (or the detainee's) breach with that reason, never silently: a
    "rooms busy" or "outside hours" is refused while a meeting-room time before the deadline
    is free."""
    if start < deadline:
        return False
    in_time = [o for o in declined if o.before_deadline and o.room_kind != "interrogation"]
    if reason == "lawyer_choice":
        if not in_time:
            raise DomainError(
                "C4", "期限前没有会见室或视频时间可供律师选择（拒绝讯问室是律师的权利，不算延后）："
                "请选择真实原因（如会见室已满）",
                "no meeting-room or video time before the deadline was offered, so the lawyer"
                " did not defer (declining an interrogation room is the lawyer's right): pick"
                " the real reason, e.g. all rooms busy")
        return True
    if reason in ("rooms_busy", "outside_hours") and in_time:
        first = in_time[0]
        raise DomainError(
            "C3", f"期限前{first.room_id}在{first.start:%m-%d %H:%M}可会见：请预约该时间，"
                  "或选择真实原因",
            f"room {first.room_id} is free at {first.start:%m-%d %H:%M}, before the deadline:"
            " book it, or pick the real reason")
    return False


def _check_interrogation_room(db: Database, room: dict, start: datetime, end: datetime,
                              consent_signed: bool, busy: _Busy) -> None:
    if room["kind"] != "interrogation":
        return
    # B4: a meeting room held by a meeting running over is not free
    free_meeting_room = next((r for r in _rooms(db, "meeting")
                              if busy.room_free(r["id"], start, end)), None)
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
    row = one(db, "SELECT b.*, r.deadline, (SELECT stamp FROM code_stamps WHERE valid_up_to IS"
                  " NULL) AS code_stamp FROM bookings b JOIN meeting_requests r"
                  " ON r.id = b.request_id WHERE b.id = ?", (booking_id,))
    if row is None:
        raise NotFound("B1", f"无此预约{booking_id}", f"no booking {booking_id}")
    if row["state"] not in states:
        raise DomainError("C4", f"预约{booking_id}当前为“{row['state']}”，不能进行此操作",
                          f"booking {booking_id} is {row['state']}: not possible now")
    return row


def past_late_limit(start: datetime, now: datetime, settings: Settings) -> bool:
    """B10: now is more than late_minutes after the booked start."""
    return now > start + timedelta(minutes=settings.meetings.late_minutes)


def slot_lost(booking: Booking, now: datetime, settings: Settings) -> bool:
    """B10: the lawyer never checked in and is past the late limit: the slot is lost
    (release it and book again, same deadline)."""
    return booking.state == BookingState.BOOKED and past_late_limit(booking.start, now, settings)


def _is_late(row: dict, now: datetime, settings: Settings, clock: Clock) -> bool:
    return past_late_limit(parse_iso(row["starts_at"], clock.zone), now, settings)


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
    check_custody(db, row["roster_no"])  # V8 again at check-in (C7)
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


class StartRefused(DomainError):
    """B11: why a meeting cannot start now; why is one of other_day, too_early, not_arrived,
    room_occupied, not_in_custody (B10's lost slot keeps its own rule)."""

    def __init__(self, why: str, zh: str, en: str):
        super().__init__("B11", zh, en)
        self.why = why


def start_refusal(db: Database, clock: Clock, settings: Settings,
                  row: dict) -> DomainError | None:
    """B11 (and B10): the refusal of starting the booking row now, or None. Read only."""
    now = clock.now().astimezone(clock.zone)
    start = parse_iso(row["starts_at"], clock.zone)
    if custody_refusal(db, row["roster_no"]) is not None:
        return StartRefused("not_in_custody", "在押人员已不在本所羁押（已释放或转押），会见不能开始",
                            "the detainee is no longer held here (released or transferred):"
                            " the meeting cannot start")
    if row["state"] == "booked" and _is_late(row, now, settings, clock):
        return _late_refusal(settings)
    if start.date() != now.date():
        return StartRefused("other_day", f"该预约是{start:%Y-%m-%d}的会见，只能在当天开始",
                            f"this booking is for {start:%Y-%m-%d}: it starts only on that day")
    early = timedelta(minutes=settings.meetings.early_start_minutes)
    if now < start - early:
        return StartRefused("too_early", f"预约时间{start:%H:%M}，最早{start - early:%H:%M}可开始",
                            f"booked for {start:%H:%M}: it may start from"
                            f" {start - early:%H:%M}")
    if row["state"] != "arrived":
        return StartRefused("not_arrived", "律师尚未签到：请先扫码或按1登记到达",
                            "the lawyer's arrival is not recorded: scan the code or press 1"
                            " first")
    other = one(db, "SELECT id FROM bookings WHERE room_id = ? AND state = 'in_progress'"
                    " AND id != ?", (row["room_id"], row["id"]))
    if other is not None:
        return StartRefused("room_occupied", f"{row['room_id']}正在进行预约{other['id']}的会见，"
                            "请等其结束或改用空闲会见室",
                            f"room {row['room_id']} is in use by the meeting of booking"
                            f" {other['id']}: wait for it to end or move to a free room")
    return None


DESK_ACTIONS = ("arrive", "start", "end", "no_show", "cancelled", "release", "assistant",
                "reprint", "move")


@dataclass(frozen=True)
class DeskActions:
    """What the meeting desk may do with a booking now: allowed, or offered and refused
    with the reason to show (B11: a start on another day, too early, ...)."""

    allowed: frozenset[str]
    refused: dict[str, DomainError]

    def offered(self, action: str) -> bool:
        return action in self.allowed or action in self.refused


def allowed_actions(db: Database, clock: Clock, settings: Settings,
                    booking_id: int) -> DeskActions:
    """The desk's actions on a booking now, judged by the rules here so screens do not
    redraw them (B10, B11, C4, A1-A3, Q4)."""
    row = one(db, "SELECT * FROM bookings WHERE id = ?", (booking_id,))
    if row is None:
        raise NotFound("B1", f"无此预约{booking_id}", f"no booking {booking_id}")
    state = row["state"]
    live = state in WAITING_STATES
    late = state == BookingState.BOOKED and _is_late(row, clock.now(), settings, clock)
    queued = one(db, "SELECT 1 AS q FROM tickets WHERE booking_id = ?", (booking_id,))
    assistant = one(db, "SELECT confirmed_at FROM assistants WHERE booking_id = ?",
                    (booking_id,))
    allowed = {
        "arrive": state == "booked" or (state == "arrived" and queued is None),
        "end": state == "in_progress",
        "no_show": late,
        "cancelled": live,
        "release": late,
        "assistant": (state in LIVE_STATES
                      and not (assistant and assistant["confirmed_at"])),
        "reprint": live,
    }
    allowed["move"] = live and _pushed_with_free_room(db, clock, settings, booking_id)
    refused: dict[str, DomainError] = {}
    if live:
        refusal = start_refusal(db, clock, settings, row)
        if refusal is None:
            allowed["start"] = True
        else:
            refused["start"] = refusal
    return DeskActions(allowed=frozenset(a for a, ok in allowed.items() if ok), refused=refused)


def start_meeting(db: Database, clock: Clock, settings: Settings, officer: str,
                  booking_id: int, devices_off_confirmed: bool = False) -> Booking:
    """The meeting starts (B11): on its booked day, no earlier than the early-start window,
    after the lawyer's arrival is recorded, in a room no other meeting occupies, the
    detainee still in custody; in an interrogation room only with recording and monitoring
    off (B5). B10: a lawyer never checked in and now past the late limit has lost the slot
    (release and re-book); a lawyer who arrived in time may start later, the wait being the
    centre's, not the lawyer's.
    At a video terminal (B9) too, the officer confirms that recording and monitoring are off."""
    with transaction(db):
        row = _live_booking(db, booking_id, ("booked", "arrived"))
        now = clock.now()
        refusal = start_refusal(db, clock, settings, row)
        if refusal is not None:
            raise refusal
        if row["room_kind"] == "interrogation" and not devices_off_confirmed:
            raise DomainError("B5", "讯问室会见开始前，请确认录音、监听设备已关闭",
                              "confirm that recording and monitoring devices are off before the"
                              " meeting starts in an interrogation room")
        if row["room_kind"] == "video" and not devices_off_confirmed:
            raise DomainError("B9", "远程视频会见开始前，请确认线路不被录音、监听，无办案人员在场",
                              "confirm that the video line is not recorded or monitored and no"
                              " case officer attends before the video meeting starts")
        devices_off = iso(now) if row["room_kind"] in NEEDS_DEVICES_OFF else None
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


# --- B4: bookings pushed by a meeting that runs over ----------------------------------------


class PushedBooking(_Model):
    """A live booking whose room is still held by an earlier meeting (started late or
    running over), with the next free room of its kind offered (None: none yet)."""

    booking_id: int
    room_id: str
    start: datetime
    held_by: int
    held_until: datetime
    next_free: Offer | None


def pushed_booking(db: Database, clock: Clock, settings: Settings,
                   booking_id: int) -> PushedBooking | None:
    """B4: the booking, if a meeting in progress holds its room past its start. Reads only."""
    row = one(db, "SELECT b.*, r.deadline FROM bookings b JOIN meeting_requests r"
                  " ON r.id = b.request_id WHERE b.id = ? AND b.state IN ('booked', 'arrived')",
              (booking_id,))
    if row is None:
        return None
    now = clock.now()
    for other, s, e, started_at in db.execute(
            "SELECT id, start_ts, end_ts, started_at FROM bookings WHERE state = 'in_progress'"
            " AND room_id = ? AND id != ?", (row["room_id"], booking_id)):
        _, until = held_span(s, e, started_at, now)
        if s <= row["start_ts"] < until:
            return PushedBooking(booking_id=booking_id, room_id=row["room_id"],
                                 start=parse_iso(row["starts_at"], clock.zone), held_by=other,
                                 held_until=datetime.fromtimestamp(until, clock.zone),
                                 next_free=_next_free(db, clock, settings, row))
    return None


def pushed_bookings(db: Database, clock: Clock, settings: Settings) -> list[PushedBooking]:
    """B4: every booking pushed by a meeting running over, for the officer's screens."""
    ids = [i for (i,) in db.execute(
        "SELECT b.id FROM bookings b WHERE b.state IN ('booked', 'arrived') AND EXISTS ("
        " SELECT 1 FROM bookings m WHERE m.state = 'in_progress' AND m.room_id = b.room_id"
        " AND m.id != b.id AND m.start_ts <= b.start_ts) ORDER BY b.start_ts, b.id")]
    return [p for p in (pushed_booking(db, clock, settings, i) for i in ids) if p is not None]


def _next_free(db: Database, clock: Clock, settings: Settings, row: dict) -> Offer | None:
    """The earliest time, from the booking's own (or now), that a room of its kind is free
    for the booking's length, the lawyer and detainee free too (the booking itself aside)."""
    calendar = OpeningCalendar.from_settings(db, settings, remember=True)
    now = clock.now().replace(second=0, microsecond=0)
    length = (row["end_ts"] - row["start_ts"]) // 60
    start = max(parse_iso(row["starts_at"], clock.zone), now)
    until = start + timedelta(days=1)
    busy = _Busy(db, row["cert_no"], row["roster_no"], start, until + timedelta(hours=2),
                 clock.now(), exclude=row["id"])
    return _earliest(_rooms(db, row["room_kind"]), row["room_kind"],
                     _candidate_starts(calendar, start, until, length), length, busy, now,
                     parse_iso(row["deadline"], clock.zone))


def move_booking(db: Database, clock: Clock, settings: Settings, officer: str,
                 booking_id: int, room_id: str, start: datetime) -> Booking:
    """B4: move a pushed booking to a free room (and time) of its kind; its reason, deadline,
    QR code and queue ticket stay. Refused when that room, the lawyer or the detainee is
    taken then."""
    with transaction(db):
        row = _live_booking(db, booking_id, ("booked", "arrived"))
        room = one(db, "SELECT * FROM rooms WHERE id = ? AND active = 1", (room_id,))
        if room is None or room["kind"] != row["room_kind"]:
            raise DomainError("B1", f"无此{row['room_kind']}房间{room_id}",
                              f"no {row['room_kind']} room {room_id}")
        start = start.astimezone(clock.zone).replace(second=0, microsecond=0)
        end = start + timedelta(seconds=row["end_ts"] - row["start_ts"])
        if start < clock.now().replace(second=0, microsecond=0):
            raise DomainError("B3", "不能改到已过去的时间", "that time has passed: choose another")
        busy = _Busy(db, row["cert_no"], row["roster_no"], start, end, clock.now(),
                     exclude=booking_id)
        if not (busy.room_free(room_id, start, end) and busy.people_free(start, end)):
            raise DomainError("B4", "该时间会见室、在押人员或律师已有会见，请选择其他时间",
                              "the room, the detainee or the lawyer is taken at that time:"
                              " choose another")
        try:
            db.execute("UPDATE bookings SET room_id = ?, starts_at = ?, ends_at = ?,"
                       " start_ts = ?, end_ts = ? WHERE id = ?",
                       (room_id, iso(start), iso(end), int(start.timestamp()),
                        int(end.timestamp()), booking_id))
        except sqlite3.IntegrityError as exc:
            raise DomainError("B4", "该时间已被占用（可能另一台终端刚刚预约），请重新选择",
                              f"that time was just taken ({exc}); choose again") from None
        audit.record(db, clock, officer, "move_booking", f"booking:{booking_id}", {
            "from_room": row["room_id"], "from": row["starts_at"], "room": room_id,
            "start": iso(start)})
    return get_booking(db, clock, booking_id)


def _pushed_with_free_room(db: Database, clock: Clock, settings: Settings,
                           booking_id: int) -> bool:
    pushed = pushed_booking(db, clock, settings, booking_id)
    return pushed is not None and pushed.next_free is not None
