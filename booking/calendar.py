"""B2/B3: when the centre is open on a given date, and the meeting slots that fit.

The hours of one date come from, in order: an officer's entry (a duty session or a
closure), the official holiday calendar, the weekly hours of config/kiosk.toml.

The official calendar is the `chinesecalendar` package (2004-2026 in version 1.11) plus
schedules imported with `kiosk calendar import FILE` (the State Council announces a year
late in the year before, often before the package has a release for it). Choices:

- An imported row overrides the package for its date, so an import may also correct
  a year the package knows. An import is the whole schedule of every year it names:
  it replaces the earlier imported rows of those years.
- A year counts as officially covered when the package knows it or when at least one
  imported row for it exists. An uncovered year runs on the weekly hours and every
  caller gets a bilingual warning for it (`OpeningCalendar.warnings`).
- With holidays_closed = false a holiday runs on its weekday's hours (its name is kept).
- An officer's duty sessions replace the hours of that date (they are not added to
  them): to extend an ordinary day, list all of its sessions.
- Slots start on a grid counted from the start of each session, so opening time is
  always bookable; a slot lies wholly inside one session. "Before the deadline" means
  strictly before it (C3: the booked time must be before the deadline).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Annotated, Literal

import chinese_calendar
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator
from sqlite_utils import Database

from . import audit
from .clock import Clock, iso
from .errors import DomainError, NotFound
from .fields import typed
from .imports import Register, RowError, read_rows, validate_rows
from .settings import Hours, Session, Settings, parse_session
from .storage import one, transaction

Reason = Literal["weekday", "saturday", "sunday", "sunday_closed", "holiday", "makeup_workday",
                 "duty", "closed"]

# How a reason is shown (zh, en).
REASONS: dict[str, tuple[str, str]] = {
    "weekday": ("工作日", "weekday"),
    "saturday": ("周六", "Saturday"),
    "sunday": ("周日", "Sunday"),
    "sunday_closed": ("周日不开放", "Sunday: closed"),
    "holiday": ("法定节假日", "public holiday"),
    "makeup_workday": ("调休上班", "make-up working day"),
    "duty": ("值班会见", "duty session"),
    "closed": ("停止会见", "closed by the centre"),
}

WEEKDAYS_ZH = "一二三四五六日"


class DayHours(BaseModel):
    """The opening hours of one date and why they are what they are."""

    model_config = ConfigDict(frozen=True)

    day: date
    sessions: tuple[tuple[datetime, datetime], ...]
    reason: Reason
    name: str = ""  # the holiday, or the officer's reason for a closure
    official: bool  # an official schedule (package or import) covers this year

    @property
    def is_open(self) -> bool:
        return bool(self.sessions)

    def holds(self, start: datetime, end: datetime) -> bool:
        """B2: one session of the day is open for all of [start, end]."""
        return any(opens <= start and end <= closes for opens, closes in self.sessions)


class CalendarEntry(BaseModel):
    """One stored row of calendar_days: an officer's entry or an imported official day."""

    model_config = ConfigDict(frozen=True)

    day: date
    kind: Literal["holiday", "workday", "duty", "closed"]
    sessions: tuple[str, ...] = ()
    name: str = ""
    source: Literal["official_import", "officer"]
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class _Official:
    kind: Literal["holiday", "workday"]
    name: str


@functools.lru_cache(maxsize=4096)
def _package_day(day: date) -> _Official | None | Literal["unknown"]:
    """The package's word on a date: a holiday, a make-up working day, nothing special,
    or "unknown" for a year it does not cover. Remembered: the installed package's
    schedule does not change while the process runs."""
    try:
        resting, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return "unknown"
    if name is None:  # an ordinary weekday or weekend
        return None
    try:
        name = chinese_calendar.Holiday(name).chinese
    except ValueError:
        pass
    return _Official("holiday" if resting else "workday", name)


def official_day(db: Database, day: date) -> _Official | None:
    """The official word on a date (an imported schedule first, else the package): a
    holiday, a make-up working day (kind "workday"), or None for an ordinary day."""
    imported = one(db, "SELECT kind, name FROM calendar_days"
                       " WHERE day = ? AND source = 'official_import'", (day.isoformat(),))
    if imported:
        return _Official(imported["kind"], imported["name"] or "")
    special = _package_day(day)
    return None if special == "unknown" else special


def _year_range(year: int) -> tuple[str, str]:
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def _aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be an aware datetime")


class OpeningCalendar:
    """The centre's opening hours, date by date (B2), and the slots inside them (B3).

    Reads the database on every call, so entries added meanwhile count at once."""

    def __init__(self, db: Database, hours: Hours, zone: tzinfo, grid_minutes: int = 15,
                 remember: bool = False):
        self.db = db
        self.hours = hours
        self.zone = zone
        self.grid_minutes = grid_minutes
        # remember=True: each date is read once (for one use case that looks at hundreds
        # of slots); the default reads the database on every call.
        self._days: dict[date, DayHours] | None = {} if remember else None
        self._covers: dict[int, bool] | None = {} if remember else None

    @classmethod
    def from_settings(cls, db: Database, settings: Settings,
                      remember: bool = False) -> OpeningCalendar:
        return cls(db, settings.hours, settings.zone, settings.meetings.grid_minutes, remember)

    @property
    def fresh(self) -> bool:
        """Nothing remembered yet: every answer is read from the database as it is now."""
        return not self._days and not self._covers

    # --- one date -------------------------------------------------------------------------

    def day(self, day: date) -> DayHours:
        if self._days is None:
            return self._day(day)
        if day not in self._days:
            self._days[day] = self._day(day)
        return self._days[day]

    def open_for(self, start: datetime, end: datetime) -> bool:
        """B2/C2: a session is open from start until end (a meeting fits in it)."""
        return self.day(start.date()).holds(start, end)

    def _day(self, day: date) -> DayHours:
        official = self.covers(day.year)
        officer = one(self.db, "SELECT kind, sessions, name FROM calendar_days"
                               " WHERE day = ? AND source = 'officer'", (day.isoformat(),))
        if officer and officer["kind"] == "closed":
            return DayHours(day=day, sessions=(), reason="closed", name=officer["name"] or "",
                            official=official)
        if officer:
            sessions = [parse_session(s) for s in json.loads(officer["sessions"])]
            return self._hours(day, sessions, "duty", officer["name"] or "", official)

        special = self._official_day(day)
        name = special.name if special else ""
        if special and special.kind == "holiday" and self.hours.holidays_closed:
            return DayHours(day=day, sessions=(), reason="holiday", name=name, official=official)
        if special and special.kind == "workday" and day.weekday() >= 5:
            return self._hours(day, self.hours.sessions_for_weekday(0), "makeup_workday", name,
                               official)
        weekday = day.weekday()
        reason: Reason = ("weekday" if weekday < 5 else "saturday" if weekday == 5
                          else "sunday" if self.hours.sunday_open else "sunday_closed")
        return self._hours(day, self.hours.sessions_for_weekday(weekday), reason, name, official)

    def covers(self, year: int) -> bool:
        """Whether an official schedule (the package or an import) covers the year."""
        if _package_day(date(year, 1, 1)) != "unknown":
            return True
        if self._covers is None:
            return self._imported_year(year)
        if year not in self._covers:
            self._covers[year] = self._imported_year(year)
        return self._covers[year]

    def _imported_year(self, year: int) -> bool:
        return one(self.db, "SELECT 1 FROM calendar_days WHERE source = 'official_import'"
                            " AND day BETWEEN ? AND ? LIMIT 1", _year_range(year)) is not None

    def warnings(self, for_dates: Iterable[date]) -> list[str]:
        """One bilingual warning per year among the dates that no official schedule covers."""
        years = sorted({d.year for d in for_dates})
        return [f"{year}年官方节假日安排尚未导入，按每周开放时间办理"
                f" / the official {year} holiday schedule is not loaded: weekly hours apply"
                for year in years if not self.covers(year)]

    def _official_day(self, day: date) -> _Official | None:
        return official_day(self.db, day)

    def _hours(self, day: date, sessions: list[Session], reason: Reason, name: str,
               official: bool) -> DayHours:
        return DayHours(
            day=day, reason=reason, name=name, official=official,
            sessions=tuple((datetime.combine(day, start, self.zone),
                            datetime.combine(day, end, self.zone)) for start, end in sessions))

    # --- a stretch of time ----------------------------------------------------------------

    def _sessions(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Whole sessions that overlap [start, end), in order."""
        _aware(start, "start")
        _aware(end, "end")
        if end <= start:
            return
        day = start.astimezone(self.zone).date()
        last = (end - timedelta(microseconds=1)).astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self.day(day).sessions:
                if opens < end and closes > start:
                    yield opens, closes
            day += timedelta(days=1)

    def openings(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods within [start, end), each clipped to it."""
        for opens, closes in self._sessions(start, end):
            yield max(opens, start), min(closes, end)

    def slot_starts(self, start: datetime, end: datetime, length_minutes: int,
                    grid_minutes: int | None = None) -> Iterator[datetime]:
        """B3: start times in [start, end) on the grid, for a meeting that fits its session."""
        if length_minutes <= 0:
            raise ValueError("length_minutes must be positive")
        length = timedelta(minutes=length_minutes)
        grid = timedelta(minutes=grid_minutes or self.grid_minutes)
        for opens, closes in self._sessions(start, end):
            steps = max(0, -((opens - start) // grid))  # ceil((start - opens) / grid)
            slot = opens + steps * grid
            while slot < end and slot + length <= closes:
                yield slot
                slot += grid

    def first_opening_before(self, start: datetime, deadline: datetime, length_minutes: int,
                             grid_minutes: int | None = None) -> datetime | None:
        """The earliest slot at or after start and before the deadline, or None: then no
        opening lies before the deadline and the officer must be offered a duty session."""
        return next(self.slot_starts(start, deadline, length_minutes, grid_minutes), None)


# --- officers' entries --------------------------------------------------------------------

def _check_day_ahead(clock: Clock, day: date) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise DomainError("B2", "日期格式应为 YYYY-MM-DD", "give the date as YYYY-MM-DD")
    today = clock.now().date()
    if day < today:
        raise DomainError("B2", f"{day}已经过去，只能为今天（{today}）或以后的日期安排",
                          f"{day} is in the past: only today ({today}) or a later date can"
                          " be changed")


def _duty_sessions(texts: list[str]) -> list[str]:
    if not texts:
        raise DomainError("B2", "请至少填写一个值班时段，如 09:00-11:30",
                          "give at least one duty session, e.g. 09:00-11:30")
    parsed: list[Session] = []
    for text in texts:
        try:
            parsed.append(parse_session(text))
        except ValueError as exc:
            raise DomainError("B2", f"值班时段“{text}”有误，应为 HH:MM-HH:MM，如 09:00-11:30",
                              f"duty session {text!r} is wrong ({exc}): write HH:MM-HH:MM,"
                              " e.g. 09:00-11:30") from None
    parsed.sort()
    for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
        if start < end:
            raise DomainError("B2", "值班时段相互重叠，请合并后再填写",
                              "the duty sessions overlap: merge them and try again")
    return [f"{s:%H:%M}-{e:%H:%M}" for s, e in parsed]


def _officer_entry(db: Database, day: date) -> dict | None:
    return one(db, "SELECT * FROM calendar_days WHERE day = ? AND source = 'officer'",
               (day.isoformat(),))


def _entry(row: dict) -> CalendarEntry:
    return CalendarEntry(day=date.fromisoformat(row["day"]), kind=row["kind"],
                         sessions=tuple(json.loads(row["sessions"] or "[]")),
                         name=row["name"] or "", source=row["source"], added_by=row["added_by"],
                         added_at=datetime.fromisoformat(row["added_at"]))


def _put_officer_entry(db: Database, clock: Clock, actor: str, day: date, kind: str,
                       sessions: list[str] | None, name: str) -> CalendarEntry:
    with transaction(db):
        if kind == "closed":
            refuse_closure_over_bookings(db, clock, day)
        return write_officer_entry(db, clock, actor, day, kind, sessions, name)


def write_officer_entry(db: Database, clock: Clock, actor: str, day: date, kind: str,
                        sessions: list[str] | None, name: str) -> CalendarEntry:
    """An officer's entry for a date, with its audit entry, in the caller's transaction."""
    row = {"day": day.isoformat(), "kind": kind, "source": "officer", "name": name,
           "sessions": json.dumps(sessions) if sessions is not None else None,
           "added_by": actor, "added_at": iso(clock.now())}
    before = _officer_entry(db, day)
    db.table("calendar_days").upsert(row, pk=("day", "source"))
    audit.record(db, clock, actor, f"calendar_{kind}", f"calendar:{day.isoformat()}", {
        "sessions": sessions, "name": name,
        "replaces": {k: before[k] for k in ("kind", "sessions", "name")} if before else None})
    return _entry(row)


class BookedMeeting(BaseModel):
    """B2: a live booking on a date, as the officer must see it before closing that date."""

    model_config = ConfigDict(frozen=True)

    booking_id: int
    request_id: int
    start: datetime
    room_id: str
    room_kind: str
    state: str
    lawyer_name: str
    cert_no: str
    roster_no: str
    deadline: datetime
    priority: bool

    def line(self) -> str:
        return (f"#{self.booking_id} {self.start:%H:%M} {self.room_id} {self.lawyer_name}"
                f" ({self.cert_no}) · {self.roster_no}")


def live_bookings_on(db: Database, clock: Clock, day: date) -> list[BookedMeeting]:
    """B2: the live bookings (booked, arrived, in progress) that start on a date, by time."""
    start = datetime.combine(day, datetime.min.time(), clock.zone)
    lo, hi = int(start.timestamp()), int((start + timedelta(days=1)).timestamp())
    return [BookedMeeting(
        booking_id=r["id"], request_id=r["request_id"],
        start=datetime.fromisoformat(r["starts_at"]).astimezone(clock.zone),
        room_id=r["room_id"], room_kind=r["room_kind"], state=r["state"],
        lawyer_name=r["lawyer_name"] or r["cert_no"], cert_no=r["cert_no"],
        roster_no=r["roster_no"],
        deadline=datetime.fromisoformat(r["deadline"]).astimezone(clock.zone),
        priority=bool(r["priority"]))
        for r in db.query(
            "SELECT b.*, l.name AS lawyer_name, q.deadline FROM bookings b"
            " JOIN meeting_requests q ON q.id = b.request_id"
            " LEFT JOIN lawyers l ON l.cert_no = b.cert_no"
            " WHERE b.state IN ('booked', 'arrived', 'in_progress')"
            " AND b.start_ts >= ? AND b.start_ts < ? ORDER BY b.start_ts, b.id", (lo, hi))]


def refuse_closure_over_bookings(db: Database, clock: Clock, day: date) -> None:
    """B2: a closure over a date with live bookings is refused, listing them, until each is
    moved (`kiosk calendar move`)."""
    booked = live_bookings_on(db, clock, day)
    if booked:
        listed = "\n".join(b.line() for b in booked)
        raise DomainError(
            "B2", f"{day}已有{len(booked)}个会见预约，须先逐一改期后才能停止会见"
                  f"（kiosk calendar move {day}）：\n{listed}",
            f"{day} has {len(booked)} live bookings: move each of them first (kiosk calendar"
            f" move {day}), then close the day:\n{listed}")


def add_duty_session(db: Database, clock: Clock, actor: str, day: date,
                     sessions: list[str]) -> CalendarEntry:
    """B2: open a date with these sessions only (replacing its hours and any closure)."""
    _check_day_ahead(clock, day)
    return _put_officer_entry(db, clock, actor, day, "duty", _duty_sessions(sessions), "")


def add_closure(db: Database, clock: Clock, actor: str, day: date, reason: str) -> CalendarEntry:
    """B2: close a date (replacing its hours and any duty session); the reason is kept."""
    _check_day_ahead(clock, day)
    reason = typed(reason, "text", "停止会见的原因", "closure reason", "B2")
    if not reason:
        raise DomainError("B2", "请填写停止会见的原因", "give the reason for the closure")
    return _put_officer_entry(db, clock, actor, day, "closed", None, reason)


def remove_entry(db: Database, clock: Clock, actor: str, day: date) -> CalendarEntry:
    """B2: take back an officer's duty session or closure; the date runs on its usual hours."""
    _check_day_ahead(clock, day)
    with transaction(db):
        before = _officer_entry(db, day)
        if before is None:
            raise NotFound("B2", f"{day}没有值班或停止会见的安排",
                           f"{day} has no duty session or closure to remove")
        db.execute("DELETE FROM calendar_days WHERE day = ? AND source = 'officer'",
                   (day.isoformat(),))
        audit.record(db, clock, actor, "calendar_remove", f"calendar:{day.isoformat()}",
                     {k: before[k] for k in ("kind", "sessions", "name")})
    return _entry(before)


def officer_entries(db: Database, first: date, last: date) -> list[CalendarEntry]:
    """The officers' duty sessions and closures from first to last, by date."""
    return [_entry(r) for r in db.query(
        "SELECT * FROM calendar_days WHERE source = 'officer' AND day BETWEEN ? AND ?"
        " ORDER BY day", (first.isoformat(), last.isoformat()))]


# --- importing an official schedule -------------------------------------------------------

def parse_day(text: str) -> date:
    """'2027-01-01' -> date; only this form (fromisoformat would also take '20270101')."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("应为日期 YYYY-MM-DD，如 2027-01-01 / a date as YYYY-MM-DD,"
                         " e.g. 2027-01-01") from None


def _iso_day(value: str) -> str:
    parse_day(value)
    return value


class ScheduleRow(BaseModel):
    """One line of an official schedule file: a holiday, or a weekend make-up working day."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    date: Annotated[str, AfterValidator(_iso_day)]
    kind: Literal["holiday", "workday"]
    name: str

    @field_validator("kind")
    @classmethod
    def _workday_on_weekend(cls, kind: str, info: ValidationInfo) -> str:
        day = info.data.get("date")
        if kind == "workday" and day and date.fromisoformat(day).weekday() < 5:
            raise ValueError("调休上班日应为周六或周日 / a workday row is a make-up working day:"
                             " it falls on a Saturday or Sunday")
        return kind


SCHEDULE = Register(ScheduleRow, "calendar_days", "date", {})


class ScheduleImport(BaseModel):
    """What an import did, or (with errors) why it did nothing."""

    model_config = ConfigDict(frozen=True)

    years: tuple[int, ...] = ()
    holidays: int = 0
    workdays: int = 0
    replaced: int = 0  # earlier imported rows of those years, now gone
    errors: tuple[RowError, ...] = ()


def import_official_schedule(db: Database, clock: Clock, actor: str,
                             path: Path | str) -> ScheduleImport:
    """B2/E3: load the official holidays and make-up working days from a file.

    CSV with the header `date,kind,name` (kind: holiday or workday) or a JSON list of
    objects with those keys. Every row is checked; one bad row and nothing is imported
    (the errors come back with line numbers). Otherwise the file replaces the imported
    rows of each year it names, in one transaction with one audit entry. Rows for years
    the package knows are allowed: they override it date by date.
    Raises DomainError("E3") when the file as a whole cannot be read."""
    path = Path(path)
    rows, errors = validate_rows(SCHEDULE, read_rows(path, SCHEDULE))
    if errors:
        return ScheduleImport(errors=tuple(errors))
    years = sorted({int(row.date[:4]) for row in rows})
    added_at = iso(clock.now())
    with transaction(db):
        replaced = 0
        for year in years:
            replaced += db.execute("DELETE FROM calendar_days WHERE source = 'official_import'"
                                   " AND day BETWEEN ? AND ?", _year_range(year)).rowcount
        db.table("calendar_days").insert_all(
            {"day": row.date, "kind": row.kind, "sessions": None, "name": row.name,
             "source": "official_import", "added_by": actor, "added_at": added_at}
            for row in rows)
        result = ScheduleImport(years=tuple(years),
                                holidays=sum(row.kind == "holiday" for row in rows),
                                workdays=sum(row.kind == "workday" for row in rows),
                                replaced=replaced)
        audit.record(db, clock, actor, "calendar_import", f"file:{path.name}",
                     result.model_dump(exclude={"errors"}))
    return result


# --- showing a date -----------------------------------------------------------------------

def describe(hours: DayHours) -> str:
    """One line for a date: hours (or closed), the reason, the holiday or closure name."""
    times = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in hours.sessions) or "不开放 closed"
    zh, en = REASONS[hours.reason]
    line = f"{hours.day} 周{WEEKDAYS_ZH[hours.day.weekday()]}  {times}  {zh} {en}"
    return f"{line}  {hours.name}" if hours.name else line

